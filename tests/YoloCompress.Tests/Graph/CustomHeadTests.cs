using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pruning;
using static YoloCompress.Tests.Graph.ReferenceArchitectures;

namespace YoloCompress.Tests.Graph;

/// <summary>Custom yaml the v7.0 code loads: any number of Detect levels (a P2 head at stride 4, a P7 head at
/// stride 128), a backbone that stops at P4, BiFPN's three-input Concat, integer anchors, and yolov3-tiny's
/// nn.MaxPool2d / nn.ZeroPad2d layers. Rows are na x the grid cells summed over the levels.</summary>
public class CustomHeadTests
{
    /// <summary>Stride-2 convs down to P4; a 3-input Concat at P3; Detect on P2, P3, P4 (anchors: 3).</summary>
    private static YoloCheckpoint P2BiFpn() => SyntheticYolo.Create(Arch(4, 1.0, 1.0, null,
        L(-1, 1, "Conv", 8, 3, 2), L(-1, 1, "Conv", 16, 3, 2), L(-1, 1, "Conv", 16, 3, 2), L(-1, 1, "Conv", 16, 1, 1),
        L(-1, 1, "Conv", 16, 3, 1), L(new[] { 2, 3, 4 }, 1, "Concat", 1), L(-1, 1, "Conv", 32, 3, 2),
        L(new[] { 1, 5, 6 }, 1, "Detect", "nc", "anchors")), new[] { 4f, 8f, 16f });

    [Fact]
    public void A_p2_head_with_a_bifpn_concat_and_a_p4_backbone_builds_and_runs()
    {
        var ckpt = P2BiFpn();
        Assert.Equal(640, ckpt.DefaultInputSize);
        var model = YoloGraphBuilder.Build(ckpt, 64);
        var (output, shape) = OrtRunner.Run(model, OrtRunner.RandomImage(64, seed: 2), 64);
        Assert.Equal(new[] { 1, 3 * (16 * 16 + 8 * 8 + 4 * 4), 9 }, shape);
        Assert.Equal(3, model.Graph.Node.Single(n => n.Name == "model.5").Input.Count);
        // The first row is cell (0, 0) of the stride-4 level: x = (2 sigmoid - 0.5 + 0) * 4.
        Assert.InRange(output[0], -2f, 6f);
        var pruned = new ChannelPruner(model).Prune(new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L1, RoundTo = 1 });
        Assert.True(pruned.RemovedFraction > 0.1);
        Assert.Equal(shape, OrtRunner.Run(pruned.Model, OrtRunner.RandomImage(64, seed: 2), 64).Shape);
    }

    [Fact]
    public void A_p7_head_has_five_levels_and_defaults_to_1280()
    {
        var layers = new List<LayerSpec>();
        int[] channels = { 8, 8, 16, 16, 16, 16, 16 };
        foreach (var c in channels) layers.Add(L(-1, 1, "Conv", c, 3, 2)); // strides 2 .. 128
        layers.Add(L(new[] { 2, 3, 4, 5, 6 }, 1, "Detect", "nc", "anchors"));
        var ckpt = SyntheticYolo.Create(Arch(1, 1.0, 1.0, null, layers.ToArray()), new[] { 8f, 16f, 32f, 64f, 128f });
        Assert.Equal(1280, ckpt.DefaultInputSize);
        var (_, shape) = OrtRunner.Run(YoloGraphBuilder.Build(ckpt, 128), OrtRunner.RandomImage(128, seed: 4), 128);
        Assert.Equal(new[] { 1, 3 * (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2 + 1), 6 }, shape);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => YoloGraphBuilder.Build(ckpt, 640 + 64));
        Assert.Contains("largest stride (128)", e.Message);
    }

    [Fact]
    public void Yolov3_tiny_pads_and_pools_like_torch()
    {
        var arch = Arch(80, 1.0, 1.0, new[] { new double[] { 10, 14, 23, 27, 37, 58 }, new double[] { 81, 82, 135, 169, 344, 319 } },
            L(-1, 1, "Conv", 16, 3, 1), L(-1, 1, "nn.MaxPool2d", 2, 2, 0), L(-1, 1, "Conv", 32, 3, 1), L(-1, 1, "nn.MaxPool2d", 2, 2, 0),
            L(-1, 1, "Conv", 64, 3, 1), L(-1, 1, "nn.MaxPool2d", 2, 2, 0), L(-1, 1, "Conv", 128, 3, 1), L(-1, 1, "nn.MaxPool2d", 2, 2, 0),
            L(-1, 1, "Conv", 256, 3, 1), L(-1, 1, "nn.MaxPool2d", 2, 2, 0), L(-1, 1, "Conv", 512, 3, 1),
            L(-1, 1, "nn.ZeroPad2d", new List<object?> { 0L, 1L, 0L, 1L }), L(-1, 1, "nn.MaxPool2d", 2, 1, 0),
            L(-1, 1, "Conv", 1024, 3, 1), L(-1, 1, "Conv", 256, 1, 1), L(-1, 1, "Conv", 512, 3, 1), L(-2, 1, "Conv", 128, 1, 1), Up(),
            L(new[] { -1, 8 }, 1, "Concat", 1), L(-1, 1, "Conv", 256, 3, 1), L(new[] { 19, 15 }, 1, "Detect", "nc", "anchors"));
        var ckpt = SyntheticYolo.Create(arch, new[] { 16f, 32f }, act: "LeakyReLU");
        var model = YoloGraphBuilder.Build(ckpt, 64);
        var t = OrtRunner.RunWithOutputs(model, OrtRunner.RandomImage(64, seed: 5), 64, "model.10.act", "model.12", "output0");
        Assert.Equal(3 * (4 * 4 + 2 * 2) * 85, t["output0"].Length);
        // ZeroPad2d((0, 1, 0, 1)) then MaxPool2d(2, 1): out[c, y, x] = max of the 2x2 window at (y, x), zeros beyond the edge.
        var x = new Map(t["model.10.act"], 512, 2, 2);
        var pooled = t["model.12"];
        Assert.Equal(512 * 2 * 2, pooled.Length);
        for (int c = 0; c < 512; c++)
            for (int y = 0; y < 2; y++)
                for (int xx = 0; xx < 2; xx++)
                {
                    float max = float.NegativeInfinity;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                            max = Math.Max(max, y + dy < 2 && xx + dx < 2 ? x[c, y + dy, xx + dx] : 0f);
                    Assert.Equal(max, pooled[(c * 2 + y) * 2 + xx]);
                }
    }
}
