using YoloCompress.Core.Checkpoints;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Core.Graph;

/// <summary>C3TR's TransformerBlock (models/common.py) in standard ONNX ops. torch runs the sequence as
/// (L, B, C) with L = H * W; the graph keeps (B, L, C) instead, which computes the same numbers per image and
/// lets every Reshape copy the batch dimension (0) so the batch stays symbolic. Linear layers are MatMul by the
/// transposed weight (stored as <c>path.weight.t</c>) plus the bias.</summary>
internal sealed partial class ModuleEmitter
{
    /// <summary>TransformerBlock(c1, c2, num_heads, num_layers): optional Conv when c1 != c2, then
    /// p = flatten(x); tr(p + linear(p)), reshaped back to [B, c2, H, W].</summary>
    public Feature TransformerBlock(LayerContext l, string path, Feature x, int c2, int layers)
    {
        l.Module(path, "TransformerBlock");
        if (l.Checkpoint.FindModule(path + ".conv") is not null) x = Conv(l, path + ".conv", x, c2, new[] { 1, 1 }, 1);
        else if (x.Channels != c2) throw l.Fail($"TransformerBlock '{path}' maps {x.Channels} to {c2} channels but the checkpoint has no '{path}.conv'.");
        int length = x.Height * x.Width;
        var p = graph.Node("Reshape", path + ".flatten", new[] { x.Name, graph.Int64(path + ".flatten.shape", 0, c2, length) });
        p = graph.Node("Transpose", path + ".to_sequence", new[] { p }, Ints("perm", 0, 2, 1));
        var position = Linear(l, path + ".linear", p, c2, c2);
        p = graph.Node("Add", path + ".position", new[] { p, position });
        var tr = l.Module(path + ".tr", "Sequential");
        if (tr.Children.Count != layers)
            throw l.Fail($"module '{path}.tr' holds {tr.Children.Count} layers in the checkpoint, but the architecture implies {layers}.");
        for (int j = 0; j < layers; j++) p = TransformerLayer(l, $"{path}.tr.{j}", p, c2, length);
        var y = graph.Node("Transpose", path + ".to_channels", new[] { p }, Ints("perm", 0, 2, 1));
        y = graph.Node("Reshape", path + ".unflatten", new[] { y, graph.Int64(path + ".unflatten.shape", 0, c2, x.Height, x.Width) });
        return x with { Name = y, Channels = c2 };
    }

    /// <summary>TransformerLayer(c, num_heads): x = ma(q(x), k(x), v(x)) + x; x = fc2(fc1(x)) + x (no LayerNorm).</summary>
    private string TransformerLayer(LayerContext l, string path, string x, int c, int length)
    {
        l.Module(path, "TransformerLayer");
        var q = Linear(l, path + ".q", x, c, c);
        var k = Linear(l, path + ".k", x, c, c);
        var v = Linear(l, path + ".v", x, c, c);
        var attended = MultiheadAttention(l, path + ".ma", q, k, v, c, length);
        x = graph.Node("Add", path + ".ma.add", new[] { attended, x });
        var mlp = Linear(l, path + ".fc2", Linear(l, path + ".fc1", x, c, c), c, c);
        return graph.Node("Add", path + ".fc.add", new[] { mlp, x });
    }

    /// <summary>nn.MultiheadAttention(embed_dim=c, num_heads) in eval: in-projections from in_proj_weight/bias,
    /// softmax(q k^T / sqrt(head_dim)) v per head, then out_proj.</summary>
    private string MultiheadAttention(LayerContext l, string path, string query, string key, string value, int c, int length)
    {
        var ma = l.Module(path, "MultiheadAttention");
        int heads = (int)l.Attribute(ma, m => m.GetInt("num_heads"));
        if (heads <= 0 || c % heads != 0) throw l.Fail($"'{path}' has {heads} heads, which do not divide embed_dim {c}.");
        if (ma.HasAttribute("batch_first") && l.Attribute(ma, m => m.GetBool("batch_first")))
            throw l.Fail($"'{path}' is batch_first; TransformerLayer feeds it (L, B, C), so that model would attend across the batch.");
        if (ma.HasAttribute("add_zero_attn") && l.Attribute(ma, m => m.GetBool("add_zero_attn")))
            throw l.Fail($"'{path}' uses add_zero_attn, which is not supported.");
        if (l.Checkpoint.FindTensor(path + ".bias_k") is not null || l.Checkpoint.FindTensor(path + ".q_proj_weight") is not null)
            throw l.Fail($"'{path}' has bias_k/bias_v or separate q/k/v projection weights, which are not supported.");
        int headDim = c / heads;
        var inWeight = l.Tensor(path + ".in_proj_weight", 3 * c, c).Data;
        var inBias = l.Checkpoint.FindTensor(path + ".in_proj_bias") is not null ? l.Tensor(path + ".in_proj_bias", 3 * c).Data : null;

        string Heads(string input, int slot, string name)
        {
            var w = inWeight.AsSpan(slot * c * c, c * c).ToArray();
            var b = inBias?.AsSpan(slot * c, c).ToArray();
            var y = LinearFromData($"{path}.in_proj.{name}", input, w, b, c, c);
            y = graph.Node("Reshape", $"{path}.{name}.heads", new[] { y, graph.Int64($"{path}.{name}.heads.shape", 0, length, heads, headDim) });
            // q and v: [B, heads, L, d]; k: [B, heads, d, L] so that q @ k is the score matrix.
            var perm = name == "k" ? new long[] { 0, 2, 3, 1 } : new long[] { 0, 2, 1, 3 };
            return graph.Node("Transpose", $"{path}.{name}.transpose", new[] { y }, Ints("perm", perm));
        }

        var q = Heads(query, 0, "q");
        q = graph.Node("Mul", path + ".q.scale", new[] { q, graph.Scalar(path + ".scaling", (float)(1.0 / Math.Sqrt(headDim))) });
        var k = Heads(key, 1, "k");
        var v = Heads(value, 2, "v");
        var scores = graph.Node("MatMul", path + ".scores", new[] { q, k });
        var weights = graph.Node("Softmax", path + ".softmax", new[] { scores }, Int("axis", -1));
        var context = graph.Node("MatMul", path + ".context", new[] { weights, v });
        context = graph.Node("Transpose", path + ".context.transpose", new[] { context }, Ints("perm", 0, 2, 1, 3));
        context = graph.Node("Reshape", path + ".context.merge", new[] { context, graph.Int64(path + ".context.merge.shape", 0, length, c) });
        return Linear(l, path + ".out_proj", context, c, c);
    }

    /// <summary>The pickled nn.Linear at <paramref name="path"/> on the last axis of <paramref name="input"/>.</summary>
    private string Linear(LayerContext l, string path, string input, int inFeatures, int outFeatures)
    {
        var module = l.Module(path);
        if (module.ClassName is not ("Linear" or "NonDynamicallyQuantizableLinear"))
            throw l.Fail($"module '{path}' is {module.TypeName}, but the architecture implies Linear.");
        var weight = l.Tensor(path + ".weight", outFeatures, inFeatures).Data;
        var bias = l.Checkpoint.FindTensor(path + ".bias") is not null ? l.Tensor(path + ".bias", outFeatures).Data : null;
        return LinearFromData(path, input, weight, bias, inFeatures, outFeatures);
    }

    /// <summary>y = x W^T + b: MatMul node <paramref name="name"/>, then Add node name.bias when there is a bias.</summary>
    private string LinearFromData(string name, string input, float[] weight, float[]? bias, int inFeatures, int outFeatures)
    {
        var transposed = new float[weight.Length];
        for (int o = 0; o < outFeatures; o++)
            for (int i = 0; i < inFeatures; i++)
                transposed[i * outFeatures + o] = weight[o * inFeatures + i];
        var y = graph.Node("MatMul", name, new[] { input, graph.Float(name + ".weight.t", new long[] { inFeatures, outFeatures }, transposed) });
        if (bias is null) return y;
        return graph.Node("Add", name + ".bias", new[] { y, graph.Float(name + ".bias.value", new long[] { outFeatures }, bias) });
    }
}
