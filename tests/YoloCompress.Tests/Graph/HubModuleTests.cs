using YoloCompress.Core.Recovery;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;
using static YoloCompress.Tests.Graph.ReferenceArchitectures;

namespace YoloCompress.Tests.Graph;

/// <summary>The hub and legacy modules (GhostConv, GhostBottleneck, C3Ghost, BottleneckCSP, C3TR, C3SPP) and the
/// activations older checkpoints carry (Hardswish, LeakyReLU with its pickled slope, ReLU, ReLU6), on one small
/// synthetic model with a single Detect level and integer anchors: each module's ONNX output against its torch
/// forward() written in C#, then pruning and int8 quantization of the whole model.</summary>
public class HubModuleTests
{
    private const int Size = 64;
    private static readonly Lazy<YoloCheckpoint> Model = new(Create);

    /// <summary>layer, module, the tensor the emitted layer ends in, reference forward.</summary>
    public static TheoryData<int, string, string> Layers => new()
    {
        { 0, "Conv (Hardswish)", "model.0.act" },
        { 1, "GhostConv (ReLU)", "model.1.concat" },
        { 2, "GhostBottleneck, stride 2, pre-v7 DWConv pickles", "model.2.add" },
        { 3, "C3Ghost", "model.3.cv3.act" },
        { 4, "BottleneckCSP (LeakyReLU 0.15)", "model.4.cv4.act" },
        { 5, "C3TR (ReLU6 convs, 4 heads)", "model.5.cv3.act" },
        { 50, "C3TR's TransformerBlock alone", "model.5.m.unflatten" },
        { 6, "C3SPP", "model.6.cv3.act" },
    };

    private static readonly string[] LayerOutputs = Layers.Where(row => (int)row[0] < 10).Select(row => (string)row[2]).ToArray();

    [Theory]
    [MemberData(nameof(Layers))]
    public void Each_module_computes_its_torch_forward(int layer, string module, string output)
    {
        var ckpt = Model.Value;
        var image = OrtRunner.RandomImage(Size, seed: 11);
        // Layer 50 is the TransformerBlock inside layer 5, fed by that C3's cv1 (16 channels at 8x8).
        var source = layer == 50 ? "model.5.cv1.act" : layer == 0 ? null : LayerOutputs[layer - 1];
        var names = source is null ? new[] { output } : new[] { source, output };
        var t = OrtRunner.RunWithOutputs(YoloGraphBuilder.Build(ckpt, Size), image, Size, names);
        var input = source is null ? new Map(image, 3, Size, Size)
            : layer == 50 ? new Map(t[source], 16, 8, 8) : Shaped(t[source], ckpt, layer - 1);
        var torch = new TorchReference(ckpt);
        var p = $"model.{layer}";
        var expected = layer switch
        {
            0 => torch.Conv(p, input),
            1 => torch.GhostConv(p, input),
            2 => torch.GhostBottleneck(p, input),
            3 => torch.C3(p, input, (m, x) => torch.Sequential(m, x, torch.GhostBottleneck)),
            4 => torch.BottleneckCsp(p, input),
            5 => torch.C3(p, input, torch.TransformerBlock),
            50 => torch.TransformerBlock("model.5.m", input),
            _ => torch.C3(p, input, torch.Spp),
        };
        var actual = t[output];
        Assert.Equal(expected.Data.Length, actual.Length);
        double scale = expected.Data.Max(Math.Abs);
        Assert.True(scale > 1e-3, $"{module}: the reference output is all but zero, so the comparison would prove nothing.");
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(expected.Data[i] - actual[i]) <= 1e-4 * Math.Max(1, scale),
                $"{module}: element {i} is {actual[i]}, torch's formula gives {expected.Data[i]}");
    }

    [Fact]
    public void The_model_has_one_detect_level_of_integer_anchors_and_folds_to_the_same_output()
    {
        var model = YoloGraphBuilder.Build(Model.Value, Size);
        var input = OrtRunner.RandomImage(Size, seed: 12);
        var (raw, shape) = OrtRunner.Run(model, input, Size);
        var (fused, _) = OrtRunner.Run(BatchNormFolding.Fold(model), input, Size);
        Assert.Equal(new[] { 1, 3 * 8 * 8, 7 }, shape);
        for (int i = 0; i < raw.Length; i++) Assert.Equal(raw[i], fused[i], 1e-4f * Math.Max(1, Math.Abs(raw[i])));
        Assert.Equal(1, BatchNormFolding.Fold(model).Graph.Node.Count(n => n.OpType == "BatchNormalization")); // BottleneckCSP's
        Assert.Contains(model.Graph.Node, n => n.OpType == "HardSwish");
        Assert.Equal(0.15f, model.Graph.Node.First(n => n.OpType == "LeakyRelu").Attribute.Single(a => a.Name == "alpha").F, 6);
        Assert.Equal(4, model.Graph.Node.Count(n => n.OpType == "MatMul" && n.Name.StartsWith("model.5.m.tr.0.ma.in_proj", StringComparison.Ordinal)) + 1);
    }

    [Fact]
    public void A_batch_of_two_gives_each_image_its_own_rows()
    {
        // The attention runs per image: a batch must not attend across images.
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(Model.Value, Size));
        var (a, _) = OrtRunner.Run(model, OrtRunner.RandomImage(Size, seed: 15), Size);
        var (b, _) = OrtRunner.Run(model, OrtRunner.RandomImage(Size, seed: 16), Size);
        var (both, shape) = OrtRunner.Run(model, OrtRunner.RandomImage(Size, seed: 15).Concat(OrtRunner.RandomImage(Size, seed: 16)).ToArray(), Size, batch: 2);
        Assert.Equal(new[] { 2, 192, 7 }, shape);
        var expected = a.Concat(b).ToArray();
        for (int i = 0; i < both.Length; i++) Assert.Equal(expected[i], both[i], 1e-4f * Math.Max(1, Math.Abs(expected[i])));
    }

    [Fact]
    public void Flops_and_parameters_count_the_attention()
    {
        var ckpt = Model.Value;
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(ckpt, Size));
        var stats = ModelStatistics.Compute(model);
        // Every checkpoint parameter is in the graph; folding a Conv's BN drops its 2 parameters a channel for a
        // bias of 1 (BottleneckCSP's BN over the concatenation stays).
        long folded = ckpt.Tensors.Where(t => t.Key.EndsWith(".bn.running_mean", StringComparison.Ordinal) && t.Key != "model.4.bn.running_mean")
            .Sum(t => t.Value.ElementCount);
        Assert.Equal(ckpt.ParameterCount - folded, stats.Parameters);
        // FLOPs are the convolutions' plus the transformer's at 8x8 (L = 64, c = 16): ten 16x16 linear maps per
        // position (position, q, k, v, the three in-projections, out_proj, fc1, fc2) and the two L x L x c products.
        long convMacs = ModelStatistics.ConvMacsByNode(model).Values.Sum();
        long attention = 10L * 64 * 16 * 16 + 2L * 64 * 64 * 16;
        Assert.Equal(2 * (convMacs + attention), stats.Flops);
    }

    [Fact]
    public void Pruning_leaves_the_attention_alone_with_a_reason_and_prunes_the_rest()
    {
        var model = YoloGraphBuilder.Build(Model.Value, Size);
        var graph = DependencyGraph.Build(model);
        var attention = graph.Groups.Single(g => g.Members.Any(m => m.Node == "model.5.cv1.conv" && m.Role == MemberRole.ConvOutput));
        Assert.False(attention.IsPrunable);
        Assert.Contains(attention.Blockers, b => b.Contains("model.5.m.", StringComparison.Ordinal) && b.Contains("pruning does not know", StringComparison.Ordinal));
        Assert.Contains(graph.PrunableGroups, g => g.Members.Any(m => m.Node == "model.4.cv1.conv" && m.Role == MemberRole.ConvOutput)); // in BottleneckCSP
        Assert.Contains(graph.PrunableGroups, g => g.Members.Any(m => m.Node == "model.4.cv3" && m.Role == MemberRole.ConvOutput));      // its bare Conv2d
        Assert.Contains(graph.PrunableGroups, g => g.Members.Any(m => m.Node == "model.3.m.0.conv.0.cv1.conv" && m.Role == MemberRole.ConvOutput)); // C3Ghost

        var input = OrtRunner.RandomImage(Size, seed: 13);
        var (_, shape) = OrtRunner.Run(model, input, Size);
        var calibration = Enumerable.Range(0, 4).Select(i => OrtRunner.RandomImage(Size, seed: 20 + i)).ToArray();
        var l2 = new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L2, RoundTo = 1 };
        foreach (var (graphToPrune, options, recovery) in new (Onnx.ModelProto, PruneOptions, RecoveryOptions?)[]
                 {
                     (model, l2, null),
                     (model, new PruneOptions { Ratio = 0.25, RoundTo = 1 }, new RecoveryOptions { ReconstructImages = 4, MatchImages = 4 }),
                     (BatchNormFolding.Fold(model), l2, null),
                 })
        {
            var pruner = new ChannelPruner(graphToPrune, calibration, threads: 1);
            var result = pruner.Prune(options);
            if (recovery is not null) result = result.With(new CalibrationRecovery(pruner).Recover(result, recovery).Model, []);
            Assert.True(result.RemovedFraction > 0.1, $"removed {result.RemovedFraction}");
            var (pruned, prunedShape) = OrtRunner.Run(result.Model, input, Size);
            Assert.Equal(shape, prunedShape);
            Assert.All(pruned, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void Int8_quantization_keeps_attention_float_and_runs()
    {
        var folded = BatchNormFolding.Fold(YoloGraphBuilder.Build(Model.Value, Size));
        var calibration = Enumerable.Range(0, 4).Select(i => OrtRunner.RandomImage(Size, seed: 30 + i)).ToArray();
        var result = ModelQuantizer.Quantize(folded, new QuantizationOptions(), new CalibrationOptions(), calibration);
        var nodes = result.Model.Graph.Node;
        Assert.Contains(nodes, n => n.OpType == "QuantizeLinear");
        // The attention's products stay float; the 1x1 convs whose outputs only float nodes read became integer MatMuls
        // (DQ -> MatMul, named after their conv).
        var convs = folded.Graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Name).ToHashSet();
        var matMuls = nodes.Where(n => n.OpType is "MatMul" or "Softmax" && !convs.Contains(n.Name)).ToList();
        Assert.Equal(13, matMuls.Count); // position, q, k, v, 3 in-projections, scores, context, out_proj, fc1, fc2; Softmax
        Assert.All(matMuls, n => Assert.All(n.Input, i => Assert.NotEqual("DequantizeLinear", nodes.FirstOrDefault(p => p.Output.Contains(i))?.OpType)));
        var input = OrtRunner.RandomImage(Size, seed: 14);
        var (expected, shape) = OrtRunner.Run(folded, input, Size);
        var (actual, quantizedShape) = OrtRunner.Run(result.Model, input, Size);
        Assert.Equal(shape, quantizedShape);
        Assert.All(actual, v => Assert.True(float.IsFinite(v)));
        // Objectness of the 192 rows: int8 follows float closely on an untrained model too.
        double error = Enumerable.Range(0, 192).Average(r => Math.Abs(expected[r * 7 + 4] - actual[r * 7 + 4]));
        Assert.True(error < 0.1, $"mean objectness error {error}");
    }

    private static Map Shaped(float[] data, YoloCheckpoint ckpt, int layer)
    {
        // Layer outputs of this model: 16 x 32 x 32 after layer 0, 32 x 16 x 16 after layer 1, 32 x 8 x 8 after the rest.
        var (c, h) = layer switch { 0 => (16, 32), 1 => (32, 16), _ => (32, 8) };
        Assert.Equal(c * h * h, data.Length);
        return new Map(data, c, h, h);
    }

    /// <summary>nc=2, anchors: 3 (integer form; the pickled buffer holds the trained ones), one level at stride 8.</summary>
    private static YoloCheckpoint Create()
    {
        var arch = Arch(2, 1.0, 1.0, null,
            L(-1, 1, "Conv", 16, 3, 2), L(-1, 1, "GhostConv", 32, 3, 2), L(-1, 1, "GhostBottleneck", 32, 3, 2),
            L(-1, 1, "C3Ghost", 32), L(-1, 2, "BottleneckCSP", 32), L(-1, 1, "C3TR", 32),
            L(-1, 1, "C3SPP", 32, new List<object?> { 5L, 9L, 13L }), L(new[] { 6 }, 1, "Detect", "nc", "anchors"));
        var s = new SyntheticCheckpoint { FanInScaled = true, LeakySlope = 0.15 };
        s.Conv("model.0", 3, 16, 3, 3, 2, act: "Hardswish");
        SyntheticYolo.GhostConv(s, "model.1", 16, 32, 3, 2, "ReLU", "ReLU");
        SyntheticYolo.GhostBottleneck(s, "model.2", 32, 32, 3, 2, "SiLU", dwClass: "Conv");
        SyntheticYolo.C3(s, "model.3", "C3Ghost", 32, 32, 1, true, "SiLU");
        SyntheticYolo.BottleneckCsp(s, "model.4", 32, 32, 2, true, "LeakyReLU", "LeakyReLU");
        SyntheticYolo.C3(s, "model.5", "C3TR", 32, 32, 1, true, "ReLU6");
        s.Module("model.6", "models.common.C3SPP");
        s.Conv("model.6.cv1", 32, 16, 1, 1).Conv("model.6.cv2", 32, 16, 1, 1).Conv("model.6.cv3", 32, 32, 1, 1);
        SyntheticYolo.Spp(s, "model.6.m", 16, 16, new[] { 5, 9, 13 }, "SiLU");
        SyntheticYolo.Detect(s, "model.7", arch, new[] { 32 }, new[] { 8f });
        return s.Build(arch, new[] { "a", "b" }, new[] { 8f });
    }
}
