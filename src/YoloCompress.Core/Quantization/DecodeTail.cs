using Onnx;

namespace YoloCompress.Core.Quantization;

/// <summary>Finds a detector's decode tail structurally: the nodes from which no convolution is
/// reachable downstream, i.e. everything after the last convs on every path to the outputs (in
/// YOLOv5 the Reshape/Transpose/Sigmoid/Split/Mul/Add/Pow/Concat that turn the Detect convs' logits
/// into pixel boxes). Names are never used, so models exported by other tools work too.</summary>
public static class DecodeTail
{
    private static readonly HashSet<string> ConvOps = new(StringComparer.Ordinal) { "Conv", "ConvTranspose", "QLinearConv", "ConvInteger" };

    /// <summary>The decode tail's nodes, in graph order. The graph must be topologically sorted (ONNX requires it).</summary>
    public static IReadOnlyList<NodeProto> Find(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var nodes = graph.Node;
        var consumers = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
            foreach (var input in nodes[i].Input)
                if (input.Length > 0)
                {
                    if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = new List<int>();
                    list.Add(i);
                }

        // Walk backwards: a node reaches a conv if any consumer is a conv or reaches one.
        var reachesConv = new bool[nodes.Count];
        for (int i = nodes.Count - 1; i >= 0; i--)
            foreach (var output in nodes[i].Output)
                if (consumers.TryGetValue(output, out var list))
                    foreach (int c in list)
                        if (ConvOps.Contains(nodes[c].OpType) || reachesConv[c])
                        {
                            reachesConv[i] = true;
                            break;
                        }

        var tail = new List<NodeProto>();
        for (int i = 0; i < nodes.Count; i++)
            if (!reachesConv[i] && !ConvOps.Contains(nodes[i].OpType))
                tail.Add(nodes[i]);
        return tail;
    }
}
