using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Tests.Graph;

/// <summary>A test-side parse_model: writes the module tree and (random) tensors that ultralytics' Model(cfg)
/// would pickle for a yaml, module by module as models/common.py constructs them. Checked against the real
/// yolov5n checkpoint (same tensor names and shapes), then used for architectures no shared checkpoint has.</summary>
internal static class SyntheticYolo
{
    /// <param name="act">The activation class every Conv carries (SiLU since v5.0, Hardswish in v4.0, LeakyReLU before).</param>
    /// <param name="edit">Changes to the module tree before it is built (for checkpoints that disagree with their yaml).</param>
    public static YoloCheckpoint Create(ModelArchitecture arch, float[] strides, string act = "SiLU", string cspAct = "SiLU",
        Action<SyntheticCheckpoint>? edit = null)
    {
        var s = new SyntheticCheckpoint { FanInScaled = true };
        var ch = new List<int>();
        int no = arch.AnchorsPerLevel * (arch.ClassCount + 5);
        foreach (var layer in arch.Layers)
        {
            var path = $"model.{layer.Index}";
            int C(int from) => from == -1 ? (ch.Count == 0 ? arch.InputChannels : ch[^1]) : ch[from < 0 ? ch.Count + from : from];
            int c1 = C(layer.From[0]);
            int n = arch.ScaledDepth(layer.Number);
            object? A(int i) => i < layer.Args.Count ? layer.Args[i] : null;
            int I(int i, int fallback) => A(i) is long l ? (int)l : fallback;
            bool B(int i, bool fallback) => A(i) switch { string t => t == "True", bool b => b, _ => fallback };
            int c2Raw = I(0, 0);
            int c2 = c2Raw == no ? c2Raw : arch.ScaledWidth(c2Raw);
            var module = layer.Module.Replace("torch.nn.", "nn.");
            void Repeat(Action<string> one)
            {
                if (n == 1) { one(path); return; }
                s.Module(path, "torch.nn.modules.container.Sequential");
                for (int j = 0; j < n; j++) one($"{path}.{j}");
            }
            switch (module)
            {
                case "Conv":
                    Repeat(p => s.Conv(p, c1, c2, I(1, 1), I(1, 1), I(2, 1), act: act, padding: A(3) is long pad ? (int)pad : null));
                    break;
                case "Focus":
                    s.Module(path, "models.common.Focus");
                    s.Conv(path + ".conv", 4 * c1, c2, I(1, 1), I(1, 1), act: act);
                    break;
                case "C3" or "C3Ghost" or "C3TR":
                    C3(s, path, module, c1, c2, n, B(1, true), act);
                    break;
                case "BottleneckCSP":
                    BottleneckCsp(s, path, c1, c2, n, B(1, true), act, cspAct);
                    break;
                case "SPP":
                    Spp(s, path, c1, c2, A(1) is IReadOnlyList<object?> ks ? ks.Select(k => (int)(long)k!).ToArray() : new[] { 5, 9, 13 }, act);
                    break;
                case "SPPF":
                    s.Module(path, "models.common.SPPF");
                    s.Conv(path + ".cv1", c1, c1 / 2, 1, 1, act: act).Conv(path + ".cv2", c1 / 2 * 4, c2, 1, 1, act: act);
                    s.MaxPool(path + ".m", I(1, 5));
                    break;
                case "GhostConv":
                    Repeat(p => GhostConv(s, p, c1, c2, I(1, 1), I(2, 1), act, act));
                    break;
                case "nn.Upsample":
                    c2 = c1;
                    s.Module(path, "torch.nn.modules.upsampling.Upsample", ("mode", "nearest"), ("scale_factor", 2.0), ("size", null));
                    break;
                case "nn.MaxPool2d":
                    c2 = c1;
                    s.Module(path, "torch.nn.modules.pooling.MaxPool2d", ("kernel_size", (long)I(0, 2)), ("stride", (long)I(1, I(0, 2))),
                        ("padding", (long)I(2, 0)), ("dilation", 1L), ("ceil_mode", false));
                    break;
                case "nn.ZeroPad2d":
                    c2 = c1;
                    s.Module(path, "torch.nn.modules.padding.ZeroPad2d", ("padding", A(0)), ("value", 0.0));
                    break;
                case "Concat":
                    c2 = layer.From.Sum(C);
                    s.Module(path, "models.common.Concat", ("d", 1L));
                    break;
                case "Detect":
                    Detect(s, path, arch, layer.From.Select(C).ToArray(), strides);
                    c2 = 0;
                    break;
                default:
                    throw new NotSupportedException($"SyntheticYolo does not generate {module}.");
            }
            ch.Add(c2);
        }
        edit?.Invoke(s);
        return s.Build(arch, Enumerable.Range(0, arch.ClassCount).Select(i => $"class{i}").ToList(), strides);
    }

    public static void Bottleneck(SyntheticCheckpoint s, string path, int c1, int c2, bool shortcut, double e, string act)
    {
        int hidden = (int)(c2 * e);
        s.Module(path, "models.common.Bottleneck", ("add", shortcut && c1 == c2));
        s.Conv(path + ".cv1", c1, hidden, 1, 1, act: act).Conv(path + ".cv2", hidden, c2, 3, 3, act: act);
    }

    public static void C3(SyntheticCheckpoint s, string path, string cls, int c1, int c2, int n, bool shortcut, string act)
    {
        int hidden = c2 / 2;
        s.Module(path, "models.common." + cls);
        s.Conv(path + ".cv1", c1, hidden, 1, 1, act: act).Conv(path + ".cv2", c1, hidden, 1, 1, act: act).Conv(path + ".cv3", 2 * hidden, c2, 1, 1, act: act);
        if (cls == "C3TR")
        {
            TransformerBlock(s, path + ".m", hidden, 4, n);
            return;
        }
        s.Module(path + ".m", "torch.nn.modules.container.Sequential");
        for (int j = 0; j < n; j++)
            if (cls == "C3Ghost") GhostBottleneck(s, $"{path}.m.{j}", hidden, hidden, 3, 1, act);
            else Bottleneck(s, $"{path}.m.{j}", hidden, hidden, shortcut, 1.0, act);
    }

    public static void BottleneckCsp(SyntheticCheckpoint s, string path, int c1, int c2, int n, bool shortcut, string act, string cspAct)
    {
        int hidden = c2 / 2;
        s.Module(path, "models.common.BottleneckCSP");
        s.Conv(path + ".cv1", c1, hidden, 1, 1, act: act);
        s.PlainConv(path + ".cv2", c1, hidden, 1, 1).PlainConv(path + ".cv3", hidden, hidden, 1, 1);
        s.Conv(path + ".cv4", 2 * hidden, c2, 1, 1, act: act);
        s.BatchNorm(path + ".bn", 2 * hidden).Activation(path + ".act", cspAct);
        s.Module(path + ".m", "torch.nn.modules.container.Sequential");
        for (int j = 0; j < n; j++) Bottleneck(s, $"{path}.m.{j}", hidden, hidden, shortcut, 1.0, act);
    }

    public static void Spp(SyntheticCheckpoint s, string path, int c1, int c2, int[] kernels, string act, string cls = "SPP")
    {
        s.Module(path, "models.common." + cls);
        s.Conv(path + ".cv1", c1, c1 / 2, 1, 1, act: act).Conv(path + ".cv2", c1 / 2 * (kernels.Length + 1), c2, 1, 1, act: act);
        s.Module(path + ".m", "torch.nn.modules.container.ModuleList");
        for (int j = 0; j < kernels.Length; j++) s.MaxPool($"{path}.m.{j}", kernels[j]);
    }

    public static void GhostConv(SyntheticCheckpoint s, string path, int c1, int c2, int k, int stride, string act, string cheapAct)
    {
        s.Module(path, "models.common.GhostConv");
        s.Conv(path + ".cv1", c1, c2 / 2, k, k, stride, act: act).Conv(path + ".cv2", c2 / 2, c2 / 2, 5, 5, groups: c2 / 2, act: cheapAct);
    }

    /// <param name="dwClass">"DWConv" (v7.0) or "Conv" (v6 and before, where DWConv was a function).</param>
    public static void GhostBottleneck(SyntheticCheckpoint s, string path, int c1, int c2, int k, int stride, string act, string dwClass = "DWConv")
    {
        int hidden = c2 / 2;
        s.Module(path, "models.common.GhostBottleneck");
        s.Module(path + ".conv", "torch.nn.modules.container.Sequential");
        GhostConv(s, path + ".conv.0", c1, hidden, 1, 1, act, act);
        if (stride == 2) s.Conv(path + ".conv.1", hidden, hidden, k, k, 2, hidden, act: "Identity", cls: dwClass);
        else s.Module(path + ".conv.1", "torch.nn.modules.linear.Identity");
        GhostConv(s, path + ".conv.2", hidden, c2, 1, 1, "Identity", "Identity");
        if (stride == 2)
        {
            s.Module(path + ".shortcut", "torch.nn.modules.container.Sequential");
            s.Conv(path + ".shortcut.0", c1, c1, k, k, 2, c1, act: "Identity", cls: dwClass);
            s.Conv(path + ".shortcut.1", c1, c2, 1, 1, act: "Identity");
        }
        else s.Module(path + ".shortcut", "torch.nn.modules.linear.Identity");
    }

    public static void TransformerBlock(SyntheticCheckpoint s, string path, int c, int heads, int layers)
    {
        s.Module(path, "models.common.TransformerBlock", ("c2", (long)c));
        s.Linear(path + ".linear", c, c, bias: true);
        s.Module(path + ".tr", "torch.nn.modules.container.Sequential");
        for (int j = 0; j < layers; j++)
        {
            var p = $"{path}.tr.{j}";
            s.Module(p, "models.common.TransformerLayer");
            // q and k are drawn larger so that the attention is far from uniform and its arithmetic shows in the output.
            foreach (var name in new[] { "q", "k", "v", "fc1", "fc2" }) s.Linear($"{p}.{name}", c, c, bias: false, scale: name is "q" or "k" ? 4 : 1);
            s.Module(p + ".ma", "torch.nn.modules.activation.MultiheadAttention", ("embed_dim", (long)c), ("num_heads", (long)heads),
                ("head_dim", (long)(c / heads)), ("batch_first", false), ("add_zero_attn", false), ("dropout", 0.0));
            s.Tensor(p + ".ma.in_proj_weight", new[] { 3 * c, c }, i => (float)((i % 7 - 3) * 0.15 + (i % 5 - 2) * 0.05));
            s.Tensor(p + ".ma.in_proj_bias", new[] { 3 * c });
            s.Linear(p + ".ma.out_proj", c, c, bias: true, cls: "torch.nn.modules.linear.NonDynamicallyQuantizableLinear");
        }
    }

    public static void Detect(SyntheticCheckpoint s, string path, ModelArchitecture arch, int[] channels, float[] strides)
    {
        int na = arch.AnchorsPerLevel, no = arch.ClassCount + 5;
        s.Module(path, "models.yolo.Detect", ("nc", (long)arch.ClassCount), ("no", (long)no), ("na", (long)na), ("nl", (long)channels.Length));
        // The pickled buffer is in grid units: yaml anchors (pixels) divided by the level's stride.
        s.Tensor(path + ".anchors", new[] { channels.Length, na, 2 },
            i => arch.Anchors is { } a ? (float)(a[i / (2 * na)][i % (2 * na)] / strides[i / (2 * na)]) : 1f + i % 5);
        s.Module(path + ".m", "torch.nn.modules.container.ModuleList");
        for (int i = 0; i < channels.Length; i++) s.PlainConv($"{path}.m.{i}", channels[i], na * no, 1, 1, bias: true);
    }
}
