using YoloCompress.Core.Calibration;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Recovery;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Recovery;

/// <summary>The engine's tests run without the training backend (this project does not reference libtorch, as the
/// compressor in the YoloCompress.Build package does not): a profile that distils must say what to add, before
/// any work and without writing anything.</summary>
public class TrainingBackendTests
{
    [Theory]
    [InlineData(BuiltInProfiles.PrunedDistilledInt8, "InputSize=320", "Recovery distill")]
    [InlineData(BuiltInProfiles.Int8, "Quantization=int8-qat", "Quantization int8-qat")]
    [InlineData(BuiltInProfiles.PrunedInt8, "PruneCriterion=taylor", "PruneCriterion taylor")]
    public void Training_without_the_backend_is_YC0019_naming_what_to_add_and_writes_nothing(string profile, string setting, string neededBy)
    {
        Assert.Null(Environment.GetEnvironmentVariable(TrainingBackend.FolderVariable));
        using var output = new TempFolder();
        var origin = DiagnosticOrigin.CommandLine("test");
        var resolved = ProfileResolver.Resolve(profile, null,
            [new SettingOverride("InputSize", "320", origin), ProfileResolver.ParseAssignment(setting, origin)]);
        var request = new CompressionRequest(TestData.Yolov5n, CalibrationImages.First(Path.Combine(TestData.Coco16, "images"), 4), null,
            resolved.Settings, resolved.Name, output.Path, "yolov5n");

        var e = Assert.Throws<YoloCompressException>(() => CompressionPipeline.Run(request));

        Assert.Equal("YC0019", e.Code);
        Assert.Contains(neededBy, e.Message);
        Assert.Contains(TrainingBackend.FolderVariable, e.Message);
        Assert.Contains("src/YoloCompress.Torch", e.Message);
        Assert.Empty(Directory.GetFiles(output.Path));
    }
}
