using YoloCompress.Core.Patterns;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;
using YoloCompress.Tests.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Pipeline;

/// <summary>An .onnx from the reference exporter, in each form it comes in (opsets 11-17, dynamic axes or not,
/// simplified or not), is taken as its .pt is: same parameters and FLOPs, same pruning groups, the decode
/// found, and every profile gives the .pt's result within float tolerance.</summary>
public sealed class OnnxInputTests : IDisposable
{
    private readonly string _temp = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    public static TheoryData<int, bool, bool> Variants() => new()
    {
        { 12, false, false }, // the file as given
        { 11, false, false },
        { 13, false, false },
        { 17, false, true },
        { 12, true, false },
        { 13, true, false },
        { 17, true, true },
        { 11, true, true },
    };

    private static readonly Lazy<YoloCheckpoint> Checkpoint = new(() => CheckpointReader.Read(TestData.Yolov5n));

    private static readonly Lazy<(float[] Data, int[] Shape)> OriginalOutput =
        new(() => OrtRunner.Run(ReferenceExportVariants.Original(), OrtRunner.RandomImage(640, seed: 3), 640));

    [Theory]
    [MemberData(nameof(Variants))]
    public void Each_variant_computes_what_the_export_computes_and_a_dynamic_one_takes_other_sizes(int opset, bool dynamic, bool simplified)
    {
        // The variants stand for exporter outputs only if they compute the same thing.
        var variant = ReferenceExportVariants.Make(opset, dynamic, simplified);
        var (data, shape) = OrtRunner.Run(variant, OrtRunner.RandomImage(640, seed: 3), 640);
        Assert.Equal(OriginalOutput.Value.Shape, shape);
        Assert.True(MaxDifference(OriginalOutput.Value.Data, data) < 1e-3, $"max difference {MaxDifference(OriginalOutput.Value.Data, data)}");
        if (dynamic)
            Assert.Equal(new[] { 1, 6300, 85 }, OrtRunner.Run(variant, OrtRunner.RandomImage(320), 320).Shape);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_loaded_variant_has_the_checkpoints_parameters_flops_and_output(int opset, bool dynamic, bool simplified)
    {
        var path = ReferenceExportVariants.Write(_temp, opset, dynamic, simplified);
        var source = ModelSource.Load(path, 640);
        var folded = source.Folded();
        Assert.Equal(17, folded.OpsetImport.Single(o => o.Domain == "").Version);
        var expected = ModelStatistics.Compute(BatchNormFolding.Fold(YoloGraphBuilder.Build(Checkpoint.Value, 640)));
        var stats = ModelStatistics.Compute(folded);
        Assert.Equal((1_867_405L, expected.Flops), (stats.Parameters, stats.Flops));

        var (data, shape) = OrtRunner.Run(folded, OrtRunner.RandomImage(640, seed: 3), 640);
        Assert.Equal(OriginalOutput.Value.Shape, shape);
        Assert.True(MaxDifference(OriginalOutput.Value.Data, data) < 1e-3, $"max difference {MaxDifference(OriginalOutput.Value.Data, data)}");

        if (dynamic)
        {
            // Symbolic height and width take the input size, as a checkpoint's graph is built at it.
            var at320 = ModelStatistics.Compute(ModelSource.Load(path, 320).Folded());
            Assert.Equal(ModelStatistics.Compute(BatchNormFolding.Fold(YoloGraphBuilder.Build(Checkpoint.Value, 320))).Flops, at320.Flops);
        }
    }

    [Theory]
    [InlineData(12, false, false)]
    [InlineData(13, true, false)]
    [InlineData(17, true, true)]
    public void Pruning_and_quantization_see_the_same_structure_as_in_the_checkpoints_graph(int opset, bool dynamic, bool simplified)
    {
        var source = ModelSource.Load(ReferenceExportVariants.Write(_temp, opset, dynamic, simplified), 640);
        var checkpointGraph = YoloGraphBuilder.Build(Checkpoint.Value, 640);

        static int[] Sizes(ModelProto m) => DependencyGraph.Build(m).PrunableGroups.Select(g => g.Size).ToArray();
        var sizes = Sizes(source.WorkingGraph);
        Assert.Equal(Sizes(checkpointGraph), sizes);
        Assert.True(sizes.Length > 20, $"{sizes.Length} prunable groups");

        // What stays outside the decode tail is the network itself: the same ops as the checkpoint's folded graph.
        static Dictionary<string, int> Network(ModelProto m)
        {
            var tail = DecodeTail.Find(m.Graph).ToHashSet();
            return m.Graph.Node.Where(n => !tail.Contains(n) && n.OpType != "Constant").GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        }
        Assert.Equal(Network(BatchNormFolding.Fold(checkpointGraph)).OrderBy(kv => kv.Key), Network(source.Folded()).OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Bn_scale_pruning_of_an_export_is_an_error_naming_the_setting_and_weight_criteria_work()
    {
        var source = ModelSource.Load(ReferenceExportVariants.Write(_temp, 13, dynamic: true, simplified: false), 640);
        var pruner = new ChannelPruner(source.WorkingGraph);
        var e = Assert.Throws<Core.Diagnostics.YoloCompressException>(() => pruner.Prune(new PruneOptions { Ratio = 0.1, Criterion = PruneCriterion.BnScale }));
        Assert.Equal("YC0018", e.Diagnostic.Code);
        Assert.Contains("PruneCriterion", e.Message);

        var pruned = pruner.Prune(new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L1 });
        var checkpointPruned = new ChannelPruner(YoloGraphBuilder.Build(Checkpoint.Value, 640)).Prune(new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L1 });
        Assert.Equal(ModelStatistics.Compute(BatchNormFolding.Fold(checkpointPruned.Model)).Parameters, ModelStatistics.Compute(pruned.Model).Parameters);
        Assert.Equal(new[] { 1, 25200, 85 }, OrtRunner.Run(pruned.Model, OrtRunner.RandomImage(640), 640).Shape);
    }

    [Fact]
    public void Checkpoint_style_patterns_select_the_same_layers_of_an_export()
    {
        Assert.Equal("model.2.m.0.cv1.conv", ModulePath.Of("/model.2/m/m.0/cv1/conv/Conv"));
        Assert.Equal("model.24.m.0", ModulePath.Of("/model.24/m.0/Conv"));
        Assert.Null(ModulePath.Of("model.0.conv"));

        var export = ModelSource.Load(ReferenceExportVariants.Path).WorkingGraph;
        var checkpoint = YoloGraphBuilder.Build(Checkpoint.Value, 640);
        var (exportGroups, checkpointGroups) = (DependencyGraph.Build(export).PrunableGroups.ToArray(), DependencyGraph.Build(checkpoint).PrunableGroups.ToArray());
        foreach (var text in new[] { "model.2*", "model.13.cv1", "model.1?.*", "model.8.cv2.conv" })
        {
            var pattern = NodePattern.Parse(text);
            int expected = checkpointGroups.Count(g => g.Matches(pattern));
            Assert.True(expected > 0, text);
            Assert.Equal(expected, exportGroups.Count(g => g.Matches(pattern)));
        }
        var keep = NodePattern.Parse("model.24*");
        Assert.Equal(3, export.Graph.Node.Count(n => n.OpType == "Conv" && keep.Matches(n)));
        Assert.Equal(3, checkpoint.Graph.Node.Count(n => n.OpType == "Conv" && keep.Matches(n)));
    }

    [Fact]
    public void A_fixed_size_export_at_another_input_size_is_an_error_naming_the_setting()
    {
        var e = Assert.Throws<Core.Diagnostics.YoloCompressException>(() => ModelSource.Load(ReferenceExportVariants.Path, 320));
        Assert.Equal("YC0018", e.Diagnostic.Code);
        Assert.Contains("640x640", e.Message);
        Assert.Contains("InputSize 320", e.Message);
    }

    [Fact]
    public void Inspect_and_detect_take_a_dynamic_export_as_the_checkpoint()
    {
        var path = ReferenceExportVariants.Write(_temp, 13, dynamic: true, simplified: false);
        string[] Detections(string model)
        {
            var r = CliProcess.Run("detect", model, TestData.Reference("bus.jpg"), "-o", Path.Combine(_temp, "bus.png"), "--json");
            Assert.True(r.ExitCode == 0, r.StdErr);
            using var json = System.Text.Json.JsonDocument.Parse(r.StdOut);
            // Class, confidence to 3 places and box to a tenth of a pixel: the exporter folded BN itself, so floats differ in the last bits.
            return json.RootElement.GetProperty("detections").EnumerateArray().Select(d => FormattableString.Invariant(
                $"{d.GetProperty("name").GetString()} {d.GetProperty("conf").GetDouble():F3} {string.Join(",", d.GetProperty("xyxy").EnumerateArray().Select(v => v.GetDouble().ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}")).ToArray();
        }
        // A model with symbolic height and width runs each image at its own rectangle, as our per-image export does.
        var ours = Path.Combine(_temp, "ours-dynamic.onnx");
        var export = CliProcess.Run("export", TestData.Yolov5n, "-o", ours, "--img", "dynamic");
        Assert.True(export.ExitCode == 0, export.StdErr);
        Assert.Equal(Detections(ours), Detections(path));

        var inspect = CliProcess.Run("inspect", path, "--img", "320", "--json");
        Assert.True(inspect.ExitCode == 0, inspect.StdErr);
        using var report = System.Text.Json.JsonDocument.Parse(inspect.StdOut);
        Assert.Equal(1_867_405, report.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal(Math.Round(ModelStatistics.Compute(BatchNormFolding.Fold(YoloGraphBuilder.Build(Checkpoint.Value, 320))).GigaFlops, 3),
            report.RootElement.GetProperty("gflops").GetDouble());
    }

    /// <summary>Every profile on the dynamic opset-13 export against the same profile on the .pt: 8 calibration
    /// images, mAP on the 16 shipped labelled images. The float weights differ only by the exporter's own BN
    /// folding (~1e-7), so fp16 matches closely; int8 rounding may flip a few values.</summary>
    [Theory]
    [InlineData("fp16", 0.003)]
    [InlineData("int8", 0.015)]
    [InlineData("pruned-int8", 0.02)]
    public void Every_profile_gives_the_checkpoints_result(string profile, double tolerance)
    {
        var onnx = ReferenceExportVariants.Write(_temp, 13, dynamic: true, simplified: false);
        var settings = ProfileResolver.Resolve(profile, null).Settings with { CalibrationCount = 8 };
        var images = CalibrationImages.Select(TestData.Samples("coco16/images"), 8);
        CompressionOutcome Run(string model, string name) => CompressionPipeline.Run(
            new CompressionRequest(model, images, TestData.Samples("coco16"), settings, profile, Path.Combine(_temp, name), name));

        var fromPt = Run(TestData.Yolov5n, "pt");
        var fromOnnx = Run(onnx, "onnx");
        Assert.Equal(fromPt.Before.Parameters, fromOnnx.Before.Parameters);
        Assert.Equal(fromPt.After.Parameters, fromOnnx.After.Parameters);
        Assert.Equal(fromPt.After.GigaFlops, fromOnnx.After.GigaFlops, 6);
        Assert.True(Math.Abs(fromPt.Before.Map50To95!.Value - fromOnnx.Before.Map50To95!.Value) < 1e-3, $"float: {fromPt.Before.Map50To95} vs {fromOnnx.Before.Map50To95}");
        Assert.True(Math.Abs(fromPt.After.Map50To95!.Value - fromOnnx.After.Map50To95!.Value) <= tolerance,
            $"{profile}: .pt {fromPt.After.Map50To95:F4} vs .onnx {fromOnnx.After.Map50To95:F4}");

        var compressed = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fromOnnx.OnnxPath));
        Assert.Equal(new[] { 1, 25200, 85 }, OrtRunner.Run(compressed, OrtRunner.RandomImage(640), 640).Shape);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}
