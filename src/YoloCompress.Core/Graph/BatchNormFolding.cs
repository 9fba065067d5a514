using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>Folds each Conv -> BatchNormalization pair into the Conv's weight and bias: the form a model is
/// written in. Works on any graph (found by op types and producers, not by names); pairs it cannot fold
/// safely (BN statistics not constant, a Conv output read elsewhere, a shared weight) are left as they are.</summary>
public static class BatchNormFolding
{
    /// <summary>A folded copy of <paramref name="source"/>; the source is not changed. Each folded Conv keeps its
    /// name and weight name, gains a bias (<c>&lt;conv name&gt;.bias</c> when it had none), and its consumers read
    /// its output directly (when the BN output was a graph output, the Conv takes over that name).</summary>
    public static ModelProto Fold(ModelProto source)
    {
        var model = source.Clone();
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var foldedBatchNorms = new HashSet<NodeProto>();
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var bn in graph.Node.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            var conv = index.Producer(bn.Input[0]);
            if (conv is null || conv.OpType != "Conv" || bn.Output.Count(o => o.Length > 0) != 1) continue;
            if (index.Consumers(conv.Output[0]).Count != 1 || index.GraphOutputs.Contains(conv.Output[0])) continue;
            var stats = bn.Input.Skip(1).Select(index.Initializer).ToArray();
            var weight = index.Initializer(conv.Input[1]);
            var bias = conv.Input.Count > 2 && conv.Input[2].Length > 0 ? index.Initializer(conv.Input[2]) : null;
            if (stats.Length != 4 || stats.Any(s => s is null || s.DataType != (int)TensorProto.Types.DataType.Float)) continue;
            if (weight is null || weight.DataType != (int)TensorProto.Types.DataType.Float || index.Consumers(weight.Name).Count != 1) continue;
            if (conv.Input.Count > 2 && conv.Input[2].Length > 0 && (bias is null || index.Consumers(bias.Name).Count != 1)) continue;

            FoldPair(graph, conv, bn, weight, bias, stats!);
            foldedBatchNorms.Add(bn);
            if (index.GraphOutputs.Contains(bn.Output[0]))
                conv.Output[0] = bn.Output[0]; // the BN was the Conv's only reader, so nothing else reads the old name
            else
                renames[bn.Output[0]] = conv.Output[0];
        }

        foreach (var bn in foldedBatchNorms) graph.Node.Remove(bn);
        foreach (var node in graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (renames.TryGetValue(node.Input[i], out var renamed))
                    node.Input[i] = renamed;
        RemoveUnusedInitializers(graph);
        return model;
    }

    private static void FoldPair(GraphProto graph, NodeProto conv, NodeProto bn, TensorProto weight, TensorProto? bias, TensorProto?[] stats)
    {
        var gamma = OnnxTensors.ToFloatArray(stats[0]!);
        var beta = OnnxTensors.ToFloatArray(stats[1]!);
        var mean = OnnxTensors.ToFloatArray(stats[2]!);
        var variance = OnnxTensors.ToFloatArray(stats[3]!);
        double eps = OnnxNodes.GetFloat(bn, "epsilon", 1e-5f);
        var w = OnnxTensors.ToFloatArray(weight);
        int outChannels = (int)weight.Dims[0];
        int perChannel = w.Length / outChannels;
        var b = bias is null ? new float[outChannels] : OnnxTensors.ToFloatArray(bias);

        for (int o = 0; o < outChannels; o++)
        {
            double scale = gamma[o] / Math.Sqrt(variance[o] + eps);
            for (int k = o * perChannel; k < (o + 1) * perChannel; k++) w[k] = (float)(w[k] * scale);
            b[o] = (float)(beta[o] + (b[o] - mean[o]) * scale);
        }

        Replace(graph, OnnxTensors.Float(weight.Name, weight.Dims.ToArray(), w));
        var biasName = bias?.Name ?? UniqueName(graph, conv.Name + ".bias");
        Replace(graph, OnnxTensors.Float(biasName, new long[] { outChannels }, b));
        if (conv.Input.Count > 2) conv.Input[2] = biasName;
        else conv.Input.Add(biasName);
    }

    private static void Replace(GraphProto graph, TensorProto tensor)
    {
        for (int i = 0; i < graph.Initializer.Count; i++)
            if (graph.Initializer[i].Name == tensor.Name)
            {
                graph.Initializer[i] = tensor;
                return;
            }
        graph.Initializer.Add(tensor);
    }

    private static string UniqueName(GraphProto graph, string name)
    {
        var used = graph.Initializer.Select(t => t.Name).Concat(graph.Node.SelectMany(n => n.Output)).ToHashSet(StringComparer.Ordinal);
        var candidate = name;
        for (int i = 1; used.Contains(candidate); i++) candidate = $"{name}.{i}";
        return candidate;
    }

    private static void RemoveUnusedInitializers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        for (int i = graph.Initializer.Count - 1; i >= 0; i--)
            if (!used.Contains(graph.Initializer[i].Name)) graph.Initializer.RemoveAt(i);
    }
}
