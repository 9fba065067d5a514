using Onnx;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Patterns;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using static YoloCompress.Tests.Pruning.NetworkShapeTests;

namespace YoloCompress.Tests.Pruning;

public class PrunerTests
{
    /// <summary>Every supported shape in one graph, ending in a Detect-like tail (conv -> Reshape -> output).</summary>
    internal static TinyGraph KitchenSink(int seed = 1)
    {
        var t = new TinyGraph(size: 32, seed: seed);
        var c0 = t.Conv("model.0", "images", 16, stride: 2);
        var c1 = t.Conv("model.1", c0, 32, stride: 2);
        var parts = t.Split("model.2.split", c1, 16, 16);
        var a = t.Conv("model.2.cv1", parts[0], 16, k: 1);
        var m = t.Binary("Add", "model.2.add", a, t.Conv("model.2.m.0.cv2", t.Conv("model.2.m.0.cv1", a, 16, k: 1), 16));
        var c2 = t.Conv("model.2.cv3", t.Concat("model.2.cat", m, parts[1]), 32, k: 1);
        var dw = t.Conv("model.3", c2, 32, k: 5, group: 32);
        var pooled = t.MaxPool("model.4.m", dw);
        var sppf = t.Conv("model.4.cv2", t.Concat("model.4.cat", dw, pooled), 32, k: 1);
        var up = t.ConvTranspose("model.5", sppf, 32, k: 4, stride: 2, group: 32, pad: 1);
        var resized = t.Resize("model.6", t.Conv("model.6.cv", sppf, 16, k: 1));
        var joined = t.Concat("model.7", up, resized, c0);
        var head = t.Conv("model.8.m.0", joined, 12, k: 1, bn: false, act: false);
        t.Graph.Initializer.Add(OnnxTensors.Int64("model.8.shape", [3], [1, 12, -1]));
        t.Graph.Node.Add(OnnxNodes.Node("Reshape", "model.8.reshape", [head, "model.8.shape"], ["output0"]));
        t.Output("output0");
        return t;
    }

    private static IEnumerable<float[]> Calibration(TinyGraph t, int count = 4) =>
        Enumerable.Range(100, count).Select(t.Input);

    [Fact]
    public void Detect_output_convs_and_graph_outputs_keep_their_channels()
    {
        var graph = DependencyGraph.Build(KitchenSink().Model);
        var head = graph.Group("model.8.m.0.conv")!;
        Assert.False(head.IsPrunable);
        Assert.Contains(head.Blockers, b => b.Contains("Detect output conv 'model.8.m.0.conv'"));
        Assert.True(graph.Group("model.0.conv")!.IsPrunable);
        Assert.True(graph.Group("model.1.conv")!.IsPrunable);
        // The residual branch is one group with the conv feeding it.
        var residual = graph.Group("model.2.cv1.conv")!;
        Assert.Contains(residual.Members, m => m.Node == "model.2.m.0.cv2.conv" && m.Role == MemberRole.ConvOutput);
    }

    [Fact]
    public void Unknown_consumer_blocks_the_group_with_a_reason()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var c1 = t.Conv("model.1", c0, 8);
        t.Output(t.Op("Transpose", "model.2", c0, OnnxNodes.Ints("perm", 0, 2, 3, 1)));
        t.Output(c1);
        var graph = DependencyGraph.Build(t.Model);
        var blocked = graph.Group("model.0.conv")!;
        Assert.False(blocked.IsPrunable);
        Assert.Contains(blocked.Blockers, b => b.Contains("Transpose node 'model.2'"));
        var result = new ChannelPruner(t.Model).Prune(new PruneOptions { Ratio = 0.5, Criterion = PruneCriterion.L2, RoundTo = 1 });
        Assert.Equal(8, result.Layers.Single(l => l.Group == "model.0.conv").ChannelsAfter);
        Assert.NotNull(result.Layers.Single(l => l.Group == "model.0.conv").Fixed);
    }

    [Fact]
    public void Ratio_zero_leaves_outputs_unchanged_even_with_recovery()
    {
        var t = KitchenSink();
        var pruner = new ChannelPruner(t.Model, Calibration(t), threads: 1);
        var result = pruner.Prune(new PruneOptions { Ratio = 0 });
        Assert.Empty(result.Plan.Kept);
        var input = t.Input(7);
        Assert.Equal(OrtRunner.Run(t.Model, input).Data, OrtRunner.Run(Recover(pruner, result), input).Data);
    }

    [Theory]
    [InlineData(PruneCriterion.L1)]
    [InlineData(PruneCriterion.L2)]
    [InlineData(PruneCriterion.BnScale)]
    [InlineData(PruneCriterion.ActivationMean)]
    [InlineData(PruneCriterion.ActivationVariance)]
    [InlineData(PruneCriterion.ActivationVarianceWeighted)]
    [InlineData(PruneCriterion.Random)]
    public void Every_criterion_prunes_the_kitchen_sink_into_a_runnable_smaller_model(PruneCriterion criterion)
    {
        var t = KitchenSink();
        var pruner = new ChannelPruner(t.Model, Calibration(t), threads: 1);
        var result = pruner.Prune(new PruneOptions { Ratio = 0.5, Criterion = criterion, RoundTo = 4 });
        var recovered = Recover(pruner, result);
        Assert.Equal(0.5, result.RemovedFraction, 2);
        Assert.True(TinyGraph.ParameterCount(recovered) < 0.45 * TinyGraph.ParameterCount(t.Model));
        var input = t.Input(3);
        var (_, shape) = OrtRunner.Run(t.Model, input);
        var (actual, prunedShape) = OrtRunner.Run(recovered, input);
        Assert.Equal(shape, prunedShape);
        Assert.All(actual, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Removing_a_constant_channel_with_recovery_reproduces_the_outputs()
    {
        // Channel 5 of model.0 is constant: zero weights, non-zero BN beta, so SiLU(beta') everywhere.
        var t = ResidualNetwork();
        var graph = DependencyGraph.Build(t.Model);
        var group = graph.Group("model.0.conv")!;
        ChannelZeroing.ZeroChannels(t.Model, group, [5]);
        SetInitializer(t.Model, "model.0.bn.bias", 5, 0.8f);
        SetInitializer(t.Model, "model.1.bn.bias", 5, -0.3f); // the residual sum is constant too
        var pruner = new ChannelPruner(t.Model, Calibration(t), threads: 1);
        var options = new PruneOptions { Criterion = PruneCriterion.L1, RoundTo = 1, GroupRatios = new Dictionary<string, double> { ["model.0.conv"] = 1.0 / 8 } };
        var plain = pruner.Prune(options);
        var recovered = Recover(pruner, plain);
        Assert.Equal([0, 1, 2, 3, 4, 6, 7], plain.Plan.Kept[group.Id]);
        var input = t.Input(11);
        var expected = OrtRunner.Run(t.Model, input).Data;
        AssertClose(expected, OrtRunner.Run(recovered, input).Data, 1e-4);
        double plainError = expected.Zip(OrtRunner.Run(plain.Model, input).Data).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(plainError > 1e-2, $"without recovery the constant channel is missed (error {plainError})");
    }

    [Fact]
    public void Overrides_and_protection_choose_per_group_ratios()
    {
        var t = KitchenSink();
        var pruner = new ChannelPruner(t.Model);
        var result = pruner.Prune(new PruneOptions
        {
            Ratio = 0.25, Criterion = PruneCriterion.L2, RoundTo = 1,
            Overrides = [new(NodePattern.Parse("model.2.*"), 0.5), new(NodePattern.Parse("model.4.cv2"), 0.75)],
            Protect = [NodePattern.Parse("model.0*")],
        });
        var layers = result.Layers.ToDictionary(l => l.Group);
        Assert.Equal(16, layers["model.0.conv"].ChannelsAfter);          // protected
        Assert.Equal(8, layers["model.2.m.0.cv1.conv"].ChannelsAfter);   // glob override 0.5
        Assert.Equal(8, layers["model.4.cv2.conv"].ChannelsAfter);       // module path override 0.75
        Assert.Equal(24, layers["model.1.conv"].ChannelsAfter);          // uniform 0.25
        Assert.Equal(12, layers["model.8.m.0.conv"].ChannelsAfter);      // Detect output conv
    }

    [Fact]
    public void Global_scope_ranks_channels_across_groups()
    {
        var t = KitchenSink();
        var result = new ChannelPruner(t.Model).Prune(new PruneOptions { Ratio = 0.4, Scope = PruneScope.Global, Criterion = PruneCriterion.L2, RoundTo = 1 });
        Assert.Equal(0.4, result.RemovedFraction, 1);
        var ratios = result.Layers.Where(l => l.Fixed is null).Select(l => l.Ratio).Distinct().Count();
        Assert.True(ratios > 1, "a global ranking should prune groups unevenly");
        OrtRunner.Run(result.Model, t.Input(1));
    }

    [Fact]
    public void Bn_scale_on_a_folded_graph_is_an_error_naming_the_setting()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8, bn: false);
        t.Output(t.Conv("model.1", c0, 4, k: 1, bn: false, act: false));
        var e = Assert.Throws<Core.Diagnostics.YoloCompressException>(() =>
            new ChannelPruner(t.Model).Prune(new PruneOptions { Ratio = 0.5, Criterion = PruneCriterion.BnScale, RoundTo = 1 }));
        Assert.Equal("YC0018", e.Diagnostic.Descriptor.Code);
        Assert.Contains("PruneCriterion bn-scale", e.Message);
    }

    [Theory]
    [InlineData(16, 0.25, 8, 8)]    // 12 is halfway between 8 and 16: the tie goes to fewer channels
    [InlineData(16, 0.05, 8, 16)]
    [InlineData(256, 0.05, 8, 240)]
    [InlineData(64, 0.25, 8, 48)]
    [InlineData(16, 0.9, 8, 8)]     // the floor: never below one multiple
    [InlineData(6, 0.9, 8, 6)]      // a group smaller than the multiple stays whole
    [InlineData(10, 0.99, 1, 1)]    // never zero channels
    [InlineData(20, 0.3, 1, 14)]
    public void Kept_counts_are_rounded_and_floored(int size, double ratio, int roundTo, int expected) =>
        Assert.Equal(expected, RatioAllocation.KeepCount(size, ratio, roundTo));

    [Fact]
    public void Bad_settings_name_the_setting()
    {
        var pruner = new ChannelPruner(KitchenSink().Model);
        Assert.Contains("PruneOverrides", Assert.Throws<ArgumentException>(() => pruner.Prune(new PruneOptions
            { Ratio = 0.1, Criterion = PruneCriterion.L2, Overrides = [new(NodePattern.Parse("model.1"), 2)] })).Message);
        Assert.Contains("PruneRoundTo", Assert.Throws<ArgumentException>(() => pruner.Prune(new PruneOptions { RoundTo = 0 })).Message);
        Assert.Contains("PruneRatio", Assert.Throws<ArgumentException>(() => pruner.Prune(new PruneOptions { Ratio = 0.95 })).Message);
    }

    [Fact]
    public void Removing_a_duplicated_channel_with_reconstruction_reproduces_the_outputs()
    {
        // Channel 5 of model.0 and of model.1 (one group through the residual Add) copies channel 2, so it
        // varies but is a linear function of a kept channel: reconstruction recovers it, mean folding cannot.
        var t = ResidualNetwork();
        foreach (var layer in new[] { "model.0", "model.1" }) CopyOutputChannel(t.Model, layer, from: 2, to: 5);
        var pruner = new ChannelPruner(t.Model, Calibration(t), threads: 1);
        var options = new RecoveryOptions { MatchStatistics = false };
        var pruned = pruner.Apply(new PrunePlan(new Dictionary<int, int[]> { [pruner.Graph.Group("model.0.conv")!.Id] = [0, 1, 2, 3, 4, 6, 7] }));
        var reconstructed = Recover(pruner, pruned, options);
        var meanOnly = Recover(pruner, pruned, options with { Reconstruct = false });
        var input = t.Input(11);
        var expected = OrtRunner.Run(t.Model, input).Data;
        double Error(ModelProto m) => expected.Zip(OrtRunner.Run(m, input).Data).Max(p => Math.Abs(p.First - p.Second));
        double scale = expected.Max(Math.Abs);
        Assert.True(Error(reconstructed) < 0.01 * scale, $"reconstructed error {Error(reconstructed):g3} (outputs up to {scale:g3})");
        Assert.True(Error(meanOnly) > 10 * Error(reconstructed), $"mean folding {Error(meanOnly):g3}, reconstruction {Error(reconstructed):g3}");
    }

    private static ModelProto Recover(ChannelPruner pruner, PruneResult pruned, RecoveryOptions? options = null) =>
        new CalibrationRecovery(pruner).Recover(pruned, options ?? new RecoveryOptions()).Model;

    /// <summary>model.0 (8 channels) and model.1 summed by a residual Add (one group), read through a Concat
    /// with its max-pooled copy by model.5.</summary>
    private static TinyGraph ResidualNetwork()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var c1 = t.Conv("model.1", c0, 8, k: 1);
        var sum = t.Binary("Add", "model.2", c0, c1);
        var joined = t.Concat("model.3", sum, t.MaxPool("model.4", sum));
        t.Output(t.Conv("model.5", joined, 4, k: 1, bn: false, act: false));
        return t;
    }

    /// <summary>Makes output channel <paramref name="to"/> of a conv + BN layer an exact copy of <paramref name="from"/>.</summary>
    private static void CopyOutputChannel(ModelProto model, string layer, int from, int to)
    {
        foreach (var init in model.Graph.Initializer.Where(i => i.Name.StartsWith(layer + ".", StringComparison.Ordinal)).ToArray())
        {
            var data = OnnxTensors.ToFloatArray(init);
            int stride = data.Length / (int)init.Dims[0];
            Array.Copy(data, from * stride, data, to * stride, stride);
            model.Graph.Initializer[model.Graph.Initializer.IndexOf(init)] = OnnxTensors.Float(init.Name, init.Dims.ToArray(), data);
        }
    }

    private static void SetInitializer(ModelProto model, string name, int index, float value)
    {
        var t = model.Graph.Initializer.Single(i => i.Name == name);
        var data = OnnxTensors.ToFloatArray(t);
        data[index] = value;
        model.Graph.Initializer[model.Graph.Initializer.IndexOf(t)] = OnnxTensors.Float(name, t.Dims.ToArray(), data);
    }
}
