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
    [Fact]
    public void Distilling_without_the_backend_is_YC0019_naming_what_to_add_and_writes_nothing()
    {
        Assert.Null(Environment.GetEnvironmentVariable(TrainingBackend.FolderVariable));
        using var output = new TempFolder();
        var resolved = ProfileResolver.Resolve(BuiltInProfiles.PrunedDistilledInt8, null,
            [new SettingOverride("InputSize", "320", DiagnosticOrigin.CommandLine("test"))]);
        var request = new CompressionRequest(TestData.Yolov5n, CalibrationImages.First(Path.Combine(TestData.Coco16, "images"), 4), null,
            resolved.Settings, resolved.Name, output.Path, "yolov5n");

        var e = Assert.Throws<YoloCompressException>(() => CompressionPipeline.Run(request));

        Assert.Equal("YC0019", e.Code);
        Assert.Contains("Recovery distill", e.Message);
        Assert.Contains(TrainingBackend.FolderVariable, e.Message);
        Assert.Contains("src/YoloCompress.Torch", e.Message);
        Assert.Empty(Directory.GetFiles(output.Path));
    }
}
