using YoloCompress.Core.Pruning;

namespace YoloCompress.Tests.Pruning;

/// <summary>One tiny network a shape (Torch-Pruning's tests, with numbers asserted): channels whose weights,
/// BN gamma and beta were zeroed carry nothing, so removing them must leave the outputs unchanged.</summary>
public class NetworkShapeTests
{
    private const double Tolerance = 1e-4;

    [Fact]
    public void Concat_maps_channel_offsets()
    {
        var t = new TinyGraph();
        var a = t.Conv("model.0", "images", 8);
        var b = t.Conv("model.1", "images", 8);
        var head = t.Conv("model.2", t.Concat("model.3", a, b), 4, k: 1, bn: false, act: false);
        t.Output(head);
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [1, 5]), ("model.1.conv", [0, 7]));
        Assert.Equal([4, 12, 1, 1], Dims(pruned, "model.2.conv.weight"));
    }

    [Fact]
    public void Split_rewrites_sizes()
    {
        var t = new TinyGraph();
        var c = t.Conv("model.0", "images", 8);
        var parts = t.Split("model.1", c, 4, 4);
        var a = t.Conv("model.2", parts[0], 6);
        var head = t.Conv("model.4", t.Concat("model.3", a, parts[1]), 4, k: 1, bn: false, act: false);
        t.Output(head);
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [2, 6, 7]));
        Assert.Equal([3L, 2L], Core.OnnxModel.OnnxTensors.ToInt64Array(pruned.Graph.Initializer.Single(i => i.Name == "model.1.sizes")));
        Assert.Equal([6, 3, 3, 3], Dims(pruned, "model.2.conv.weight"));
        Assert.Equal([4, 8, 1, 1], Dims(pruned, "model.4.conv.weight"));
    }

    [Fact]
    public void Residual_add_couples_both_branches()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var c1 = t.Conv("model.1", c0, 8);
        var sum = t.Binary("Add", "model.2", c0, c1);
        t.Output(t.Conv("model.3", sum, 4, k: 1, bn: false, act: false));
        var group = DependencyGraph.Build(t.Model).Group("model.0.conv")!;
        Assert.Contains(group.Members, m => m.Node == "model.1.conv" && m.Role == MemberRole.ConvOutput);
        Assert.Contains(group.Members, m => m.Node == "model.1.conv" && m.Role == MemberRole.ConvInput);
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [3, 4]));
        Assert.Equal([6, 6, 3, 3], Dims(pruned, "model.1.conv.weight"));
    }

    [Fact]
    public void Depthwise_conv_couples_input_and_output()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var dw = t.Conv("model.1", c0, 8, k: 5, group: 8);
        t.Output(t.Conv("model.2", dw, 4, k: 1, bn: false, act: false));
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [0, 6]));
        Assert.Equal([6, 1, 5, 5], Dims(pruned, "model.1.conv.weight"));
        Assert.Equal(6, Core.OnnxModel.OnnxNodes.GetInt(pruned.Graph.Node.Single(n => n.Name == "model.1.conv"), "group", 0));
    }

    [Fact]
    public void Depthwise_conv_with_channel_multiplier_removes_each_input_with_its_outputs()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var dw = t.Conv("model.1", c0, 16, k: 3, group: 8); // DWConv(8, 16): groups = gcd = 8
        t.Output(t.Conv("model.2", dw, 4, k: 1, bn: false, act: false));
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [1, 2]));
        Assert.Equal([12, 1, 3, 3], Dims(pruned, "model.1.conv.weight"));
        Assert.Equal([4, 12, 1, 1], Dims(pruned, "model.2.conv.weight"));
    }

    [Fact]
    public void ConvTranspose_uses_its_weight_layout()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var up = t.ConvTranspose("model.1", c0, 6);
        t.Output(t.Conv("model.2", up, 4, k: 1, bn: false, act: false));
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [2, 5]), ("model.1.conv", [0, 4]));
        Assert.Equal([6, 4, 2, 2], Dims(pruned, "model.1.conv.weight")); // [Cin, Cout, k, k]
    }

    [Fact]
    public void Depthwise_conv_transpose_couples_input_and_output()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var up = t.ConvTranspose("model.1", c0, 8, k: 4, stride: 2, group: 8); // DWConvTranspose2d
        t.Output(t.Conv("model.2", up, 4, k: 1, bn: false, act: false));
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [3, 7]));
        Assert.Equal([6, 1, 4, 4], Dims(pruned, "model.1.conv.weight"));
    }

    [Fact]
    public void MaxPool_and_resize_pass_channels_through()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8);
        var pooled = t.MaxPool("model.1", c0);
        var joined = t.Concat("model.2", c0, pooled, t.MaxPool("model.3", pooled));
        var up = t.Resize("model.5", t.Conv("model.4", joined, 8, k: 1));
        t.Output(t.Conv("model.6", up, 4, k: 1, bn: false, act: false));
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [0, 1, 2]), ("model.4.conv", [7]));
        Assert.Equal([7, 15, 1, 1], Dims(pruned, "model.4.conv.weight"));
    }

    [Fact]
    public void Folded_graph_without_batchnorm_prunes_too()
    {
        var t = new TinyGraph();
        var c0 = t.Conv("model.0", "images", 8, bn: false);
        var c1 = t.Conv("model.1", c0, 8, bn: false);
        t.Output(t.Conv("model.2", t.Binary("Add", "model.3", c0, c1), 4, k: 1, bn: false, act: false));
        var pruned = AssertZeroedChannelsRemoveLosslessly(t, ("model.0.conv", [4]));
        Assert.Equal([7], Dims(pruned, "model.0.conv.bias"));
    }

    /// <summary>Zeroes the given channels, prunes exactly them (L1 ranks them lowest), and checks outputs and shapes.</summary>
    internal static Onnx.ModelProto AssertZeroedChannelsRemoveLosslessly(TinyGraph tiny, params (string Group, int[] Channels)[] remove)
    {
        var graph = DependencyGraph.Build(tiny.Model);
        foreach (var (name, channels) in remove)
        {
            var group = graph.Group(name);
            Assert.NotNull(group);
            Assert.True(group.IsPrunable, $"{name}: {string.Join("; ", group.Blockers)}");
            ChannelZeroing.ZeroChannels(tiny.Model, group, channels);
        }
        var pruner = new ChannelPruner(tiny.Model);
        var result = pruner.Prune(new PruneOptions
        {
            Criterion = PruneCriterion.L1,
            RoundTo = 1,
            GroupRatios = remove.ToDictionary(r => r.Group, r => (double)r.Channels.Length / graph.Group(r.Group)!.Size),
        });
        foreach (var (name, channels) in remove)
        {
            var layer = result.Layers.Single(l => l.Group == name);
            Assert.Equal(layer.ChannelsBefore - channels.Length, layer.ChannelsAfter);
            Assert.Equal(channels, Enumerable.Range(0, layer.ChannelsBefore).Except(result.Plan.Kept[graph.Group(name)!.Id]));
        }
        Assert.True(TinyGraph.ParameterCount(result.Model) < TinyGraph.ParameterCount(tiny.Model));
        for (int seed = 0; seed < 2; seed++)
        {
            var input = tiny.Input(seed);
            var (expected, expectedShape) = OrtRunner.Run(tiny.Model, input);
            var (actual, actualShape) = OrtRunner.Run(result.Model, input);
            Assert.Equal(expectedShape, actualShape);
            AssertClose(expected, actual, Tolerance);
        }
        return result.Model;
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance, $"largest difference {worst:g3} exceeds {tolerance:g3}");
    }

    internal static long[] Dims(Onnx.ModelProto model, string initializer) =>
        model.Graph.Initializer.Single(i => i.Name == initializer).Dims.ToArray();
}
