using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Tests.Support;
using YoloCompress.Torch.Training;

namespace YoloCompress.Torch.Tests.Training;

/// <summary>Recovery distill through the real pipeline, as `compress --profile pruned-distilled-int8` runs it: the
/// training backend found at run time, pruning to a FLOPs target in steps, distillation, int8, outputs written.
/// Shortened (320 input, 8 images, one epoch at 96) so that it stays a test.</summary>
public class DistillationRecoveryTests
{
    private static CompressionRequest Request(string outputDirectory, params (string Name, string Value)[] settings) =>
        Request(BuiltInProfiles.PrunedDistilledInt8, outputDirectory, settings);

    private static CompressionRequest Request(string profile, string outputDirectory, params (string Name, string Value)[] settings)
    {
        var origin = DiagnosticOrigin.CommandLine("test");
        var overrides = new (string, string)[] { ("InputSize", "320"), ("DistillEpochs", "1"), ("QatEpochs", "1"), ("DistillImageSize", "96"), ("DistillBatch", "4") }
            .Concat(settings).Select(s => new SettingOverride(s.Item1, s.Item2, origin));
        var resolved = ProfileResolver.Resolve(profile, null, overrides);
        var images = CalibrationImages.First(Path.Combine(TestData.Coco16, "images"), 8);
        return new CompressionRequest(TestData.Yolov5n, images, null, resolved.Settings, resolved.Name, outputDirectory, "yolov5n");
    }

    [Fact]
    public void The_preset_removes_a_quarter_of_the_flops_and_the_same_inputs_give_the_same_bytes()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();

        var outcome = CompressionPipeline.Run(Request(first.Path, ("PruneSteps", "2")));
        CompressionPipeline.Run(Request(second.Path, ("PruneSteps", "2")));

        Assert.True(outcome.After.GigaFlops <= 0.75 * outcome.Before.GigaFlops, $"{outcome.Before.GigaFlops:0.000} -> {outcome.After.GigaFlops:0.000} GFLOPs");
        Assert.Contains(ModelProto.Parser.ParseFrom(File.ReadAllBytes(outcome.OnnxPath)).Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Equal(File.ReadAllBytes(outcome.OnnxPath), File.ReadAllBytes(Path.Combine(second.Path, "yolov5n.onnx")));
        Assert.Equal(File.ReadAllBytes(outcome.MetadataPath), File.ReadAllBytes(Path.Combine(second.Path, "yolov5n.yolo.json")));
        var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(outcome.MetadataPath)).RootElement.GetProperty("settings");
        Assert.Equal("distill", settings.GetProperty("Recovery").GetString());
        Assert.Equal(2, settings.GetProperty("PruneSteps").GetInt32());
    }

    [Fact]
    public void Distillation_changes_the_weights_that_calibration_recovery_gave()
    {
        using var distilled = new TempFolder();
        using var calibrated = new TempFolder();

        var a = CompressionPipeline.Run(Request(distilled.Path, ("Quantization", "none")));
        var b = CompressionPipeline.Run(Request(calibrated.Path, ("Quantization", "none"), ("Recovery", "calibration")));

        Assert.Equal(b.After.GigaFlops, a.After.GigaFlops, 6); // the same structure
        Assert.NotEqual(File.ReadAllBytes(a.OnnxPath), File.ReadAllBytes(b.OnnxPath));
    }

    [Fact]
    public void Int8_qat_fine_tunes_and_quantizes_the_detect_and_stem_convs_that_int8_keeps_float()
    {
        using var qat = new TempFolder();
        using var ptq = new TempFolder();

        var a = CompressionPipeline.Run(Request(BuiltInProfiles.Int8, qat.Path, ("Quantization", "int8-qat")));
        var b = CompressionPipeline.Run(Request(BuiltInProfiles.Int8, ptq.Path));

        var trained = ModelProto.Parser.ParseFrom(File.ReadAllBytes(a.OnnxPath)).Graph;
        var calibrated = ModelProto.Parser.ParseFrom(File.ReadAllBytes(b.OnnxPath)).Graph;
        // A conv with int8 weights: a Conv reading a DequantizeLinear, or a Detect conv written as DQ -> MatMul (named after it).
        static HashSet<string> Int8Convs(GraphProto g)
        {
            var dequantized = g.Node.Where(n => n.OpType == "DequantizeLinear").Select(n => n.Output[0]).ToHashSet();
            return g.Node.Where(n => n.OpType is "Conv" or "MatMul" && dequantized.Contains(n.Input[1])).Select(n => n.Name).ToHashSet();
        }
        Assert.Superset(Int8Convs(calibrated), Int8Convs(trained));
        // Stem convs 2 and 3; the Detect convs at strides 8 and 16, whose inputs the integer region holds (stride 32's
        // input only its Detect conv reads: int8 there would add a rounding of it).
        Assert.Equal(Int8Convs(calibrated).Count + 2 + 2, Int8Convs(trained).Count);
        Assert.Equal(new[] { "model.24.m.0", "model.24.m.1" }, trained.Node.Where(n => n.OpType == "MatMul").Select(n => n.Name));
        Assert.Equal(b.After.GigaFlops, a.After.GigaFlops, 6);
    }

    [Fact]
    public void Int8_qat_with_4_bit_weights_trains_for_the_int4_grid_and_writes_int4_convs()
    {
        using var qat = new TempFolder();

        var outcome = CompressionPipeline.Run(Request(BuiltInProfiles.Int8, qat.Path, ("Quantization", "int8-qat"), ("WeightBits", "4")));

        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(outcome.OnnxPath));
        var weights = System.Text.Json.JsonDocument.Parse(File.ReadAllText(outcome.MetadataPath)).RootElement.GetProperty("quantization").GetProperty("weights")
            .EnumerateArray().Select(w => w.GetProperty("type").GetString()).ToList();
        // The convs ORT runs from DQ'd weights are int4; the Detect convs written as integer MatMuls keep int8 (their kernel's type).
        Assert.Equal(weights.Count(t => t == "int4"), model.Graph.Initializer.Count(t => t.DataType == 22));
        Assert.Equal(2, weights.Count(t => t == "int8"));
        Assert.True(weights.Count(t => t == "int4") > 50);
        Assert.Equal(21, model.OpsetImport.Single(o => o.Domain == "").Version);
    }
}
