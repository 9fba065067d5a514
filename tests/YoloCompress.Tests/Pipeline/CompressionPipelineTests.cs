using YoloCompress.Core.Recovery;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Pruning;
using System.Text.Json;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Pipeline;

/// <summary>The whole pipeline on the real model: outputs that load, metadata that tells the truth,
/// byte-identical reruns, and a failed run that leaves the last good outputs alone.</summary>
public sealed class CompressionPipelineTests : IDisposable
{
    private readonly string _temp = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private CompressionRequest Request(string outputDir, IReadOnlyList<string>? images = null, CompressionSettings? settings = null) => new(
        TestData.Yolov5n,
        images ?? CalibrationImages.Select(TestData.Samples("coco16/images"), 8),
        ValidationSet: null,
        settings ?? new CompressionSettings { CalibrationCount = 8 },
        "int8",
        outputDir,
        "yolov5n");

    [Fact]
    public void Int8_outputs_load_are_a_third_of_the_float_size_and_rerun_byte_identical()
    {
        var a = CompressionPipeline.Run(Request(Path.Combine(_temp, "a")));
        var b = CompressionPipeline.Run(Request(Path.Combine(_temp, "b")));
        Assert.Equal(File.ReadAllBytes(a.OnnxPath), File.ReadAllBytes(b.OnnxPath));
        Assert.Equal(File.ReadAllBytes(a.MetadataPath), File.ReadAllBytes(b.MetadataPath));
        Assert.True(a.After.FileBytes < a.Before.FileBytes * 0.31, $"{a.Before.FileBytes} -> {a.After.FileBytes}");

        using var detector = new YoloDetector(a.OnnxPath);
        Assert.Equal("person", detector.Names[0]);
        var found = detector.Detect(RgbImage.Load(TestData.Reference("bus.jpg")));
        Assert.Equal(3, found.Count(d => d.Name == "person"));

        using var json = JsonDocument.Parse(File.ReadAllText(a.MetadataPath));
        var root = json.RootElement;
        Assert.Equal(CompressionMetadata.SchemaVersion, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal(Core.IO.FileDigest.Sha256Hex(TestData.Yolov5n), root.GetProperty("source").GetProperty("sha256").GetString());
        Assert.Equal(8, root.GetProperty("calibration").GetProperty("count").GetInt32());
        Assert.True(root.GetProperty("quantization").GetProperty("activations").GetArrayLength() > 50);
        Assert.Equal(a.After.FileBytes, root.GetProperty("metrics").GetProperty("after").GetProperty("fileBytes").GetInt64());
    }

    [Fact]
    public void HeadConvs_auto_validates_both_heads_and_keeps_int8_only_within_half_a_point_of_float()
    {
        var settings = new CompressionSettings { CalibrationCount = 8, Quantization = new QuantizationOptions { HeadConvs = HeadConvPrecision.Auto } };
        var lines = new List<string>();
        var request = Request(Path.Combine(_temp, "auto"), settings: settings) with { ValidationSet = TestData.Samples("coco16") };
        var outcome = CompressionPipeline.Run(request, new SynchronousProgress(lines.Add));

        var line = Assert.Single(lines, l => l.StartsWith("HeadConvs auto:", StringComparison.Ordinal));
        var match = System.Text.RegularExpressions.Regex.Match(line, @"([\d.]+) with int8 head convs, ([\d.]+) with float ones: (\w+)$");
        Assert.True(match.Success, line);
        double int8Map = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double floatMap = double.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        string chosen = match.Groups[3].Value;
        Assert.Equal(floatMap - int8Map <= HeadConvPrecisions.AutoMaxExtraDrop + 1e-4 ? "int8" : "float", chosen);

        using var json = JsonDocument.Parse(File.ReadAllText(outcome.MetadataPath));
        Assert.Equal(chosen, json.RootElement.GetProperty("quantization").GetProperty("headConvs").GetString());
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(outcome.OnnxPath));
        Assert.Equal(chosen == "int8", model.Graph.Node.Any(n => n.OpType == "MatMul"));
        Assert.Equal(chosen == "int8" ? int8Map : floatMap, outcome.After.Map50To95!.Value, 4);
        // Both variants came from one calibration pass: the model is the one that setting gives on its own.
        var alone = CompressionPipeline.Run(Request(Path.Combine(_temp, "alone"),
            settings: settings with { Quantization = settings.Quantization with { HeadConvs = chosen == "int8" ? HeadConvPrecision.Int8 : HeadConvPrecision.Float } }));
        Assert.Equal(File.ReadAllBytes(alone.OnnxPath), File.ReadAllBytes(outcome.OnnxPath));

        // Without a validation set there is nothing to decide by: float heads, as the default.
        var blind = CompressionPipeline.Run(Request(Path.Combine(_temp, "blind"), settings: settings));
        Assert.DoesNotContain(Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(blind.OnnxPath)).Graph.Node, n => n.OpType == "MatMul");
    }

    /// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }

    [Fact]
    public void Pruned_int8_removes_channels_and_reruns_byte_identical()
    {
        // Pruning adds calibration passes (statistics, covariances, BN re-estimation in waves) and a
        // least-squares fit per consumer: all of it must come out the same twice.
        var settings = new CompressionSettings { CalibrationCount = 8, Pruning = new() { Ratio = BuiltInProfiles.PrunedInt8Ratio } };
        var a = CompressionPipeline.Run(Request(Path.Combine(_temp, "a"), settings: settings));
        var b = CompressionPipeline.Run(Request(Path.Combine(_temp, "b"), settings: settings));
        Assert.Equal(File.ReadAllBytes(a.OnnxPath), File.ReadAllBytes(b.OnnxPath));
        Assert.Equal(File.ReadAllBytes(a.MetadataPath), File.ReadAllBytes(b.MetadataPath));
        Assert.True(a.After.Parameters < a.Before.Parameters, $"parameters {a.Before.Parameters} -> {a.After.Parameters}");

        using var detector = new YoloDetector(a.OnnxPath);
        var found = detector.Detect(RgbImage.Load(TestData.Reference("bus.jpg")));
        Assert.Equal(3, found.Count(d => d.Name == "person"));
    }

    [Fact]
    public void Pruning_by_weights_without_recovery_needs_no_calibration_images()
    {
        var settings = new CompressionSettings
        {
            Quantization = new() { Mode = QuantizationMode.Float16 },
            Pruning = new() { Ratio = 0.1, Criterion = PruneCriterion.L1 },
            Recovery = new() { Method = RecoveryMethod.None },
        };
        var outcome = CompressionPipeline.Run(Request(Path.Combine(_temp, "l1"), images: [], settings: settings));
        Assert.True(outcome.After.Parameters < outcome.Before.Parameters * 0.9, $"parameters {outcome.Before.Parameters} -> {outcome.After.Parameters}");
    }

    [Fact]
    public void A_failed_run_leaves_the_previous_outputs_in_place()
    {
        var dir = Path.Combine(_temp, "out");
        var good = CompressionPipeline.Run(Request(dir, settings: new CompressionSettings { Quantization = new() { Mode = QuantizationMode.Float16 } }));
        var before = (File.ReadAllBytes(good.OnnxPath), File.ReadAllBytes(good.MetadataPath));

        var broken = Path.Combine(_temp, "broken.jpg");
        File.WriteAllText(broken, "not a jpeg");
        var error = Assert.ThrowsAny<Exception>(() => CompressionPipeline.Run(Request(dir, images: [broken])));
        Assert.Contains("broken.jpg", error.Message);
        Assert.Equal(before.Item1, File.ReadAllBytes(good.OnnxPath));
        Assert.Equal(before.Item2, File.ReadAllBytes(good.MetadataPath));
        Assert.Equal(2, Directory.GetFiles(dir).Length);
    }
}
