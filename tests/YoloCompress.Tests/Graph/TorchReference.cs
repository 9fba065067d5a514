using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Tests.Graph;

/// <summary>A feature map of one image, [C, H, W] row-major.</summary>
internal sealed record Map(float[] Data, int C, int H, int W)
{
    public float this[int c, int y, int x] => Data[(c * H + y) * W + x];
}

/// <summary>The forward() of the models/common.py modules, written directly in C# (double accumulation, one
/// image, loops as the formulas read) from a checkpoint's module tree, to check the emitted ONNX against.</summary>
internal sealed class TorchReference(YoloCheckpoint ckpt)
{
    private float[] T(string name) => ckpt.Tensor(name).Data;

    private CheckpointModule M(string path) => ckpt.Module(path);

    public Map Conv(string path, Map x)
    {
        var y = Conv2d(path + ".conv", x);
        if (ckpt.FindModule(path + ".bn") is not null) y = BatchNorm(path + ".bn", y);
        return Act(path + ".act", y);
    }

    public Map Conv2d(string path, Map x)
    {
        var m = M(path);
        var w = ckpt.Tensor(path + ".weight");
        var b = ckpt.FindTensor(path + ".bias")?.Data;
        int groups = (int)m.GetInt("groups"), c2 = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        var s = m.GetInts("stride");
        var p = m.GetInts("padding");
        int h = (int)((x.H + 2 * p[0] - kh) / s[0] + 1), wd = (int)((x.W + 2 * p[1] - kw) / s[1] + 1);
        var output = new float[c2 * h * wd];
        int perGroup = c2 / groups;
        for (int o = 0; o < c2; o++)
            for (int oy = 0; oy < h; oy++)
                for (int ox = 0; ox < wd; ox++)
                {
                    double sum = b?[o] ?? 0;
                    for (int i = 0; i < cg; i++)
                    {
                        int ci = o / perGroup * cg + i;
                        for (int ky = 0; ky < kh; ky++)
                            for (int kx = 0; kx < kw; kx++)
                            {
                                long iy = oy * s[0] - p[0] + ky, ix = ox * s[1] - p[1] + kx;
                                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue;
                                sum += (double)x[ci, (int)iy, (int)ix] * w.Data[((o * cg + i) * kh + ky) * kw + kx];
                            }
                    }
                    output[(o * h + oy) * wd + ox] = (float)sum;
                }
        return new Map(output, c2, h, wd);
    }

    public Map BatchNorm(string path, Map x)
    {
        var (g, b, mean, v) = (T(path + ".weight"), T(path + ".bias"), T(path + ".running_mean"), T(path + ".running_var"));
        double eps = M(path).GetDouble("eps");
        return Each(x, (c, value) => (float)((value - mean[c]) / Math.Sqrt(v[c] + eps) * g[c] + b[c]));
    }

    public Map Act(string path, Map x)
    {
        var act = ckpt.FindModule(path);
        if (act is null) return x;
        double slope = act.HasAttribute("negative_slope") ? act.GetDouble("negative_slope") : 0.01;
        Func<double, double> f = act.ClassName switch
        {
            "SiLU" => v => v / (1 + Math.Exp(-v)),
            "LeakyReLU" => v => v >= 0 ? v : v * slope,
            "Hardswish" => v => v * Math.Clamp(v + 3, 0, 6) / 6,
            "ReLU" => v => Math.Max(v, 0),
            "ReLU6" => v => Math.Clamp(v, 0, 6),
            "Identity" => v => v,
            var other => throw new NotSupportedException(other),
        };
        return Each(x, (_, v) => (float)f(v));
    }

    public Map Bottleneck(string path, Map x)
    {
        var y = Conv(path + ".cv2", Conv(path + ".cv1", x));
        return M(path).GetBool("add") ? Add(x, y) : y;
    }

    public Map Sequential(string path, Map x, Func<string, Map, Map> block)
    {
        foreach (var child in M(path).Children) x = block(child.Path, x);
        return x;
    }

    /// <summary>C3 and subclasses: cv3(cat(m(cv1(x)), cv2(x))).</summary>
    public Map C3(string path, Map x, Func<string, Map, Map> m) =>
        Conv(path + ".cv3", Cat(m(path + ".m", Conv(path + ".cv1", x)), Conv(path + ".cv2", x)));

    public Map BottleneckCsp(string path, Map x)
    {
        var y1 = Conv2d(path + ".cv3", Sequential(path + ".m", Conv(path + ".cv1", x), Bottleneck));
        var y2 = Conv2d(path + ".cv2", x);
        return Conv(path + ".cv4", Act(path + ".act", BatchNorm(path + ".bn", Cat(y1, y2))));
    }

    public Map GhostConv(string path, Map x)
    {
        var y = Conv(path + ".cv1", x);
        return Cat(y, Conv(path + ".cv2", y));
    }

    public Map GhostBottleneck(string path, Map x)
    {
        var y = GhostConv(path + ".conv.0", x);
        if (M(path + ".conv.1").ClassName != "Identity") y = Conv(path + ".conv.1", y);
        y = GhostConv(path + ".conv.2", y);
        var skip = M(path + ".shortcut").ClassName == "Identity" ? x : Conv(path + ".shortcut.1", Conv(path + ".shortcut.0", x));
        return Add(y, skip);
    }

    public Map Spp(string path, Map x)
    {
        x = Conv(path + ".cv1", x);
        var parts = new List<Map> { x };
        foreach (var pool in M(path + ".m").Children) parts.Add(MaxPool(x, (int)pool.GetInt("kernel_size")));
        return Conv(path + ".cv2", Cat(parts.ToArray()));
    }

    /// <summary>TransformerBlock: p = x.flatten(2).permute(2, 0, 1) (L, C); tr(p + linear(p)); back to [C, H, W].</summary>
    public Map TransformerBlock(string path, Map x)
    {
        if (ckpt.FindModule(path + ".conv") is not null) x = Conv(path + ".conv", x);
        int c = x.C, length = x.H * x.W;
        var p = new double[length, c];
        for (int i = 0; i < length; i++)
            for (int k = 0; k < c; k++) p[i, k] = x.Data[k * length + i];
        p = Plus(p, Linear(path + ".linear", p));
        foreach (var layer in M(path + ".tr").Children)
        {
            var l = layer.Path;
            var attended = Attention(l + ".ma", Linear(l + ".q", p), Linear(l + ".k", p), Linear(l + ".v", p));
            p = Plus(attended, p);
            p = Plus(Linear(l + ".fc2", Linear(l + ".fc1", p)), p);
        }
        var output = new float[c * length];
        for (int i = 0; i < length; i++)
            for (int k = 0; k < c; k++) output[k * length + i] = (float)p[i, k];
        return x with { Data = output };
    }

    /// <summary>nn.MultiheadAttention for one sequence: in_proj, softmax(q k^T / sqrt(d)) v per head, out_proj.</summary>
    private double[,] Attention(string path, double[,] query, double[,] key, double[,] value)
    {
        int length = query.GetLength(0), c = query.GetLength(1), heads = (int)M(path).GetInt("num_heads"), d = c / heads;
        var w = T(path + ".in_proj_weight");
        var b = T(path + ".in_proj_bias");
        double[,] Project(double[,] x, int slot) => Affine(x, w.AsSpan(slot * c * c, c * c).ToArray(), b.AsSpan(slot * c, c).ToArray(), c);
        var (q, k, v) = (Project(query, 0), Project(key, 1), Project(value, 2));
        var context = new double[length, c];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < length; i++)
            {
                var scores = new double[length];
                for (int j = 0; j < length; j++)
                {
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += q[i, h * d + e] * k[j, h * d + e];
                    scores[j] = dot / Math.Sqrt(d);
                }
                double max = scores.Max(), total = scores.Sum(s => Math.Exp(s - max));
                for (int j = 0; j < length; j++)
                {
                    double weight = Math.Exp(scores[j] - max) / total;
                    for (int e = 0; e < d; e++) context[i, h * d + e] += weight * v[j, h * d + e];
                }
            }
        return Linear(path + ".out_proj", context);
    }

    private double[,] Linear(string path, double[,] x) =>
        Affine(x, T(path + ".weight"), ckpt.FindTensor(path + ".bias")?.Data, ckpt.Tensor(path + ".weight").Shape[0]);

    private static double[,] Affine(double[,] x, float[] w, float[]? b, int outFeatures)
    {
        int rows = x.GetLength(0), inFeatures = x.GetLength(1);
        var y = new double[rows, outFeatures];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < outFeatures; o++)
            {
                double sum = b?[o] ?? 0;
                for (int i = 0; i < inFeatures; i++) sum += x[r, i] * w[o * inFeatures + i];
                y[r, o] = sum;
            }
        return y;
    }

    private static double[,] Plus(double[,] a, double[,] b)
    {
        var y = (double[,])a.Clone();
        for (int r = 0; r < a.GetLength(0); r++)
            for (int k = 0; k < a.GetLength(1); k++) y[r, k] += b[r, k];
        return y;
    }

    public static Map MaxPool(Map x, int k)
    {
        int r = k / 2;
        var output = new float[x.Data.Length];
        for (int c = 0; c < x.C; c++)
            for (int y = 0; y < x.H; y++)
                for (int xx = 0; xx < x.W; xx++)
                {
                    float max = float.NegativeInfinity;
                    for (int dy = -r; dy <= r; dy++)
                        for (int dx = -r; dx <= r; dx++)
                            if (y + dy >= 0 && y + dy < x.H && xx + dx >= 0 && xx + dx < x.W) max = Math.Max(max, x[c, y + dy, xx + dx]);
                    output[(c * x.H + y) * x.W + xx] = max;
                }
        return x with { Data = output };
    }

    public static Map Cat(params Map[] parts) =>
        new(parts.SelectMany(p => p.Data).ToArray(), parts.Sum(p => p.C), parts[0].H, parts[0].W);

    public static Map Add(Map a, Map b) => a with { Data = a.Data.Zip(b.Data, (u, v) => u + v).ToArray() };

    private static Map Each(Map x, Func<int, float, float> f)
    {
        var output = new float[x.Data.Length];
        int plane = x.H * x.W;
        for (int i = 0; i < output.Length; i++) output[i] = f(i / plane, x.Data[i]);
        return x with { Data = output };
    }
}
