using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Quantization;

public class CalibrationTests
{
    private static readonly string[] Tensors = { "images", "model.0.conv", "model.0.act", "output0" };

    [Fact]
    public void MinMax_IsTheRangeTheModelActuallyProduces()
    {
        var model = TinyModels.ConvSiluConv();
        var inputs = TinyModels.Inputs(4);
        var result = ActivationCalibrator.Calibrate(model, Tensors, inputs, new CalibrationOptions { Method = CalibrationMethod.MinMax });

        var outputs = inputs.SelectMany(i => OrtRunner.Run(model, i, level: Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL).Data).ToArray();
        Assert.Equal(outputs.Min(), result["output0"].Observed.Min, 5);
        Assert.Equal(outputs.Max(), result["output0"].Observed.Max, 5);
        Assert.Equal(inputs.SelectMany(i => i).Min(), result["images"].Observed.Min);
        Assert.Equal(1f, result["images"].Selected.Max);
        Assert.Equal(4, result.ImageCount);
        Assert.Equal(Tensors.Order(StringComparer.Ordinal), result.Tensors.Keys);
    }

    [Theory]
    [InlineData(CalibrationMethod.Percentile)]
    [InlineData(CalibrationMethod.Entropy)]
    [InlineData(CalibrationMethod.Mse)]
    public void HistogramMethods_AreDeterministicAndInsideTheObservedRange(CalibrationMethod method)
    {
        var options = new CalibrationOptions { Method = method };
        var a = ActivationCalibrator.Calibrate(TinyModels.ConvSiluConv(), Tensors, TinyModels.Inputs(4), options);
        var b = ActivationCalibrator.Calibrate(TinyModels.ConvSiluConv(), Tensors, TinyModels.Inputs(4), options);

        Assert.Equal(a.Tensors, b.Tensors);
        foreach (var (_, c) in a.Tensors)
        {
            Assert.InRange(c.Selected.Min, c.Observed.IncludingZero().Min - 1e-5f, 0f);
            Assert.InRange(c.Selected.Max, 0f, c.Observed.IncludingZero().Max + 1e-5f);
        }
    }

    [Fact]
    public void Statistics_CollectedOnce_ServeEveryMethod()
    {
        var stats = ActivationStatistics.Collect(TinyModels.ConvSiluConv(), Tensors, TinyModels.Inputs(3), bins: 2048);
        foreach (var method in Enum.GetValues<CalibrationMethod>())
            Assert.Equal(ActivationCalibrator.Calibrate(TinyModels.ConvSiluConv(), Tensors, TinyModels.Inputs(3), new CalibrationOptions { Method = method }).Tensors,
                stats.Select(new CalibrationOptions { Method = method }).Tensors);
    }

    [Fact]
    public void NoInputs_IsAnError()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            ActivationCalibrator.Calibrate(TinyModels.ConvSiluConv(), Tensors, Array.Empty<float[]>(), new CalibrationOptions()));
        Assert.Contains("at least one input image", e.Message);
    }

    [Fact]
    public void UnknownTensor_IsAnErrorNamingIt()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            ActivationCalibrator.Calibrate(TinyModels.ConvSiluConv(), new[] { "no.such.tensor" }, TinyModels.Inputs(1), new CalibrationOptions()));
        Assert.Contains("no.such.tensor", e.Message);
    }

    [Theory]
    [InlineData("Calibration", "kmeans")]
    [InlineData("CalibrationPercentile", "90")]
    [InlineData("CalibrationPercentile", "100.5")]
    [InlineData("ActivationType", "int4")]
    [InlineData("Quantization", "int4")]
    [InlineData("KeepFloat", "op:")]
    [InlineData("PruneProtect", "op:Conv")]
    public void BadSettings_AreErrorsNamingTheSetting(string setting, string value)
    {
        var e = Assert.Throws<YoloCompressException>(() => ProfileResolver.Resolve(null, null, [Set(setting, value)]));
        Assert.Equal("YC0002", e.Diagnostic.Code);
        Assert.Contains($"setting {setting} ", e.Message);
    }

    [Fact]
    public void GoodSettings_MapToOptions()
    {
        var settings = ProfileResolver.Resolve(null, null,
        [
            Set("Calibration", "Percentile"), Set("CalibrationPercentile", "99.99"), Set("ActivationType", "int8"),
            Set("Quantization", "int8"), Set("KeepFloat", "model.24*;op:Concat"),
        ]).Settings;
        var (c, q) = (settings.Calibration, settings.Quantization);
        Assert.Equal((CalibrationMethod.Percentile, 99.99), (c.Method, c.Percentile));
        Assert.Equal((QuantizationMode.Int8, ActivationType.Int8), (q.Mode, q.ActivationType));
        Assert.Equal(new[] { "model.24*", "op:Concat" }, q.KeepFloat.Select(p => p.Text));
    }

    private static SettingOverride Set(string name, string value) => new(name, value, DiagnosticOrigin.CommandLine("--set"));

    [Fact]
    public void ImageSelection_IsSortedByRelativePathAndEvenlySpaced()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var source = Directory.GetFiles(Path.Combine(TestData.Coco16, "images"), "*.jpg").Order(StringComparer.Ordinal).Take(10).ToArray();
        Directory.CreateDirectory(Path.Combine(folder, "b"));
        Directory.CreateDirectory(Path.Combine(folder, "a", "deep"));
        for (int i = 0; i < source.Length; i++)
        {
            var sub = i % 3 == 0 ? "b" : i % 3 == 1 ? Path.Combine("a", "deep") : "";
            File.Copy(source[i], Path.Combine(folder, sub, $"img{i}.JPG"));
        }
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not an image");

        var all = CalibrationImages.Select(folder, 100);
        var relative = all.Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).ToArray();
        Assert.Equal(10, relative.Length);
        Assert.Equal(relative.Order(StringComparer.Ordinal), relative);
        Assert.StartsWith("a/deep/", relative[0]);

        var four = CalibrationImages.Select(folder, 4);
        Assert.Equal(new[] { all[0], all[2], all[5], all[7] }, four); // floor(i * 10 / 4)
        Assert.Equal(four, CalibrationImages.Select(folder, 4));

        var tensors = CalibrationImages.Letterboxed(four.Take(2).ToArray(), 64).ToArray();
        Assert.Equal(2, tensors.Length);
        Assert.All(tensors, t => Assert.Equal(3 * 64 * 64, t.Length));
    }

    [Fact]
    public void ImageSelection_MissingEmptyOrUnreadable_AreErrorsNamingThePath()
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var missing = Path.Combine(folder, "missing");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => CalibrationImages.Select(missing, 4)).Message);
        Assert.Contains(folder, Assert.Throws<InvalidDataException>(() => CalibrationImages.Select(folder, 4)).Message);

        var broken = Path.Combine(folder, "broken.jpg");
        File.WriteAllText(broken, "this is not a JPEG");
        var files = CalibrationImages.Select(folder, 4);
        var e = Assert.Throws<InvalidDataException>(() => CalibrationImages.Letterboxed(files, 64).ToArray());
        Assert.Contains(broken, e.Message);
    }
}
