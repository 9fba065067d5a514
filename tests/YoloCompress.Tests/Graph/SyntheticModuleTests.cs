using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;

namespace YoloCompress.Tests.Graph;

/// <summary>Modules no shared checkpoint uses (Focus, SPP, repeated Bottleneck, nn.ConvTranspose2d), on a
/// small synthetic model, checked number by number against their torch definitions.</summary>
public class SyntheticModuleTests
{
    private const int Size = 64;
    private static readonly Lazy<YoloCheckpoint> Model = new(Create);

    [Fact]
    public void The_synthetic_model_builds_runs_and_folds()
    {
        var model = YoloGraphBuilder.Build(Model.Value, Size);
        var input = OrtRunner.RandomImage(Size, seed: 5);
        var (raw, shape) = OrtRunner.Run(model, input, Size);
        var (fused, _) = OrtRunner.Run(BatchNormFolding.Fold(model), input, Size);

        Assert.Equal(new[] { 1, 2 * (16 * 16 + 8 * 8), 7 }, shape);
        for (int i = 0; i < raw.Length; i++) Assert.Equal(raw[i], fused[i], 1e-4f * Math.Max(1, Math.Abs(raw[i])));
        var names = model.Graph.Node.Select(n => n.Name).ToHashSet();
        Assert.Contains("model.2.0.add", names); // nn.Sequential of two Bottlenecks
        Assert.Contains("model.2.1.add", names);
        Assert.Contains("model.4.m.2", names);   // SPP's third pool
        Assert.Equal("ConvTranspose", model.Graph.Node.Single(n => n.Name == "model.5").OpType);
    }

    [Fact]
    public void Focus_slices_like_torch()
    {
        // The Focus conv is an identity on the first 12 channels (BN neutral, no activation), so model.0 shows the slices:
        // cat(x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]).
        var model = YoloGraphBuilder.Build(Model.Value, Size);
        var input = OrtRunner.RandomImage(Size, seed: 6);
        var focus = OrtRunner.RunWithOutputs(model, input, Size, "model.0.conv.bn")["model.0.conv.bn"];
        var offsets = new[] { (0, 0), (1, 0), (0, 1), (1, 1) };
        int half = Size / 2;
        for (int j = 0; j < 4; j++)
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < half; y += 5)
                    for (int x = 0; x < half; x += 3)
                    {
                        var (row, col) = offsets[j];
                        float expected = input[(c * Size + 2 * y + row) * Size + 2 * x + col];
                        Assert.Equal(expected, focus[((j * 3 + c) * half + y) * half + x], 1e-4f);
                    }
    }

    [Fact]
    public void Spp_pools_and_conv_transpose_compute_like_torch()
    {
        var ckpt = Model.Value;
        var model = YoloGraphBuilder.Build(ckpt, Size);
        var t = OrtRunner.RunWithOutputs(model, OrtRunner.RandomImage(Size, seed: 8), Size, "model.4.cv1.act", "model.4.m.1", "model.4.cv2.act", "model.5");

        // MaxPool2d(9, stride 1, padding 4) on the 16 x 8 x 8 map
        var x = t["model.4.cv1.act"];
        for (int c = 0; c < 16; c += 3)
            for (int y = 0; y < 8; y++)
                for (int xx = 0; xx < 8; xx++)
                {
                    float max = float.NegativeInfinity;
                    for (int dy = -4; dy <= 4; dy++)
                        for (int dx = -4; dx <= 4; dx++)
                            if (y + dy is >= 0 and < 8 && xx + dx is >= 0 and < 8) max = Math.Max(max, x[(c * 8 + y + dy) * 8 + xx + dx]);
                    Assert.Equal(max, t["model.4.m.1"][(c * 8 + y) * 8 + xx]);
                }

        // ConvTranspose2d(32, 16, k=2, s=2): out[o, 2y+ky, 2x+kx] = b[o] + sum_i in[i, y, x] * w[i, o, ky, kx]
        var input = t["model.4.cv2.act"];
        var w = ckpt.Tensor("model.5.weight").Data;
        var b = ckpt.Tensor("model.5.bias").Data;
        var output = t["model.5"];
        for (int o = 0; o < 16; o += 5)
            for (int oy = 0; oy < 16; oy++)
                for (int ox = 0; ox < 16; ox++)
                {
                    double sum = b[o];
                    for (int i = 0; i < 32; i++) sum += input[(i * 8 + oy / 2) * 8 + ox / 2] * w[((i * 16 + o) * 2 + oy % 2) * 2 + ox % 2];
                    Assert.Equal(sum, output[(o * 16 + oy) * 16 + ox], 1e-4);
                }
    }

    [Fact]
    public void Detect_decodes_every_level_like_ultralytics()
    {
        var ckpt = Model.Value;
        var model = YoloGraphBuilder.Build(ckpt, Size);
        var t = OrtRunner.RunWithOutputs(model, OrtRunner.RandomImage(Size, seed: 9), Size, "model.8.m.1", "output0");
        var raw = t["model.8.m.1"];   // [1, na * no, 8, 8] at stride 8
        var output = t["output0"];
        var anchors = ckpt.Tensor("model.8.anchors").Data;
        const int no = 7, na = 2, n = 8;
        for (int a = 0; a < na; a++)
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                {
                    double S(int k) => 1 / (1 + Math.Exp(-raw[((a * no + k) * n + y) * n + x]));
                    int row = 2 * 16 * 16 + (a * n + y) * n + x;
                    var expected = new[]
                    {
                        (S(0) * 2 + x - 0.5) * 8, (S(1) * 2 + y - 0.5) * 8,
                        Math.Pow(S(2) * 2, 2) * anchors[(na + a) * 2] * 8, Math.Pow(S(3) * 2, 2) * anchors[(na + a) * 2 + 1] * 8,
                        S(4), S(5), S(6),
                    };
                    for (int k = 0; k < no; k++) Assert.Equal(expected[k], output[row * no + k], 1e-3);
                }
    }

    [Fact]
    public void Flops_count_conv_transpose_by_its_input()
    {
        // Conv MACs = Cout*Hout*Wout*Cin/g*k*k per layer; ConvTranspose MACs = Cin*Hin*Win*Cout/g*k*k (32*8*8*16*4).
        long macs = 16 * 32 * 32 * 12 + 16 * 256 * 16 * 9 + 2 * (8 * 256 * 16 + 16 * 256 * 8 * 9) + 32 * 64 * 16 * 9
                    + 16 * 64 * 32 + 32 * 64 * 64 + 32 * 8 * 8 * 16 * 4 + 16 * 256 * 32 + 14 * 256 * 16 + 14 * 64 * 32;
        var stats = ModelStatistics.Compute(YoloGraphBuilder.Build(Model.Value, Size));
        Assert.Equal(2 * macs, stats.Flops);
    }

    /// <summary>nc=2, two levels (strides 4 and 8), two anchors a level:
    /// Focus, Conv, 2 x Bottleneck, Conv, SPP, nn.ConvTranspose2d, Concat, Conv, Detect.</summary>
    private static YoloCheckpoint Create()
    {
        var yaml = new List<LayerSpec>
        {
            new(0, new[] { -1 }, 1, "Focus", new object?[] { 16L, 1L }),
            new(1, new[] { -1 }, 1, "Conv", new object?[] { 16L, 3L, 2L }),
            new(2, new[] { -1 }, 2, "Bottleneck", new object?[] { 16L }),
            new(3, new[] { -1 }, 1, "Conv", new object?[] { 32L, 3L, 2L }),
            new(4, new[] { -1 }, 1, "SPP", new object?[] { 32L, new List<object?> { 5L, 9L, 13L } }),
            new(5, new[] { -1 }, 1, "nn.ConvTranspose2d", new object?[] { 16L, 2L, 2L }),
            new(6, new[] { -1, 2 }, 1, "Concat", new object?[] { 1L }),
            new(7, new[] { -1 }, 1, "Conv", new object?[] { 16L, 1L, 1L }),
            new(8, new[] { 7, 4 }, 1, "Detect", new object?[] { "nc", "anchors" }),
        };
        var anchors = new List<IReadOnlyList<double>> { new double[] { 4, 5, 8, 10 }, new double[] { 16, 20, 30, 40 } };
        var arch = new ModelArchitecture(2, 1.0, 1.0, anchors, 2, 3, yaml, null);

        var s = new SyntheticCheckpoint();
        s.Module("model.0", "models.common.Focus");
        s.Conv("model.0.conv", 12, 16, 1, 1, act: "Identity");
        s.Tensor("model.0.conv.conv.weight", new[] { 16, 12, 1, 1 }, i => i / 12 == i % 12 ? 1f : 0f);
        s.Tensor("model.0.conv.bn.weight", new[] { 16 }, _ => 1f);
        s.Tensor("model.0.conv.bn.bias", new[] { 16 }, _ => 0f);
        s.Tensor("model.0.conv.bn.running_mean", new[] { 16 }, _ => 0f);
        s.Tensor("model.0.conv.bn.running_var", new[] { 16 }, _ => 0.999f);
        s.Conv("model.1", 16, 16, 3, 3, stride: 2);
        s.Module("model.2", "torch.nn.modules.container.Sequential");
        for (int j = 0; j < 2; j++)
        {
            s.Module($"model.2.{j}", "models.common.Bottleneck", ("add", true));
            s.Conv($"model.2.{j}.cv1", 16, 8, 1, 1);
            s.Conv($"model.2.{j}.cv2", 8, 16, 3, 3);
        }
        s.Conv("model.3", 16, 32, 3, 3, stride: 2);
        s.Module("model.4", "models.common.SPP");
        s.Conv("model.4.cv1", 32, 16, 1, 1);
        s.Conv("model.4.cv2", 64, 32, 1, 1);
        s.Module("model.4.m", "torch.nn.modules.container.ModuleList");
        s.MaxPool("model.4.m.0", 5).MaxPool("model.4.m.1", 9).MaxPool("model.4.m.2", 13);
        s.Module("model.5", "torch.nn.modules.conv.ConvTranspose2d",
            ("kernel_size", new List<object?> { 2L, 2L }), ("stride", new List<object?> { 2L, 2L }), ("padding", new List<object?> { 0L, 0L }),
            ("dilation", new List<object?> { 1L, 1L }), ("output_padding", new List<object?> { 0L, 0L }), ("groups", 1L), ("padding_mode", "zeros"));
        s.Tensor("model.5.weight", new[] { 32, 16, 2, 2 });
        s.Tensor("model.5.bias", new[] { 16 });
        s.Module("model.6", "models.common.Concat", ("d", 1L));
        s.Conv("model.7", 32, 16, 1, 1);
        s.Module("model.8", "models.yolo.Detect", ("nc", 2L), ("no", 7L), ("na", 2L), ("nl", 2L));
        s.Tensor("model.8.anchors", new[] { 2, 2, 2 }, i => (float)(anchors[i / 4][i % 4] / (i < 4 ? 4 : 8)));
        s.Module("model.8.m", "torch.nn.modules.container.ModuleList");
        foreach (var (level, channels) in new[] { (0, 16), (1, 32) })
        {
            s.Module($"model.8.m.{level}", "torch.nn.modules.conv.Conv2d", ("kernel_size", new List<object?> { 1L, 1L }),
                ("stride", new List<object?> { 1L, 1L }), ("padding", new List<object?> { 0L, 0L }), ("dilation", new List<object?> { 1L, 1L }), ("groups", 1L));
            s.Tensor($"model.8.m.{level}.weight", new[] { 14, channels, 1, 1 });
            s.Tensor($"model.8.m.{level}.bias", new[] { 14 });
        }
        return s.Build(arch, new[] { "a", "b" }, new[] { 4f, 8f });
    }
}
