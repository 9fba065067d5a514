using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Whole-graph edits shared by the rewriters (QDQ, float16, weight-only).</summary>
public static class OnnxGraphs
{
    /// <summary>Replaces the graph's nodes by <paramref name="nodes"/> and its initializers by those that
    /// <paramref name="keepInitializer"/> accepts, in their order, followed by <paramref name="added"/>.</summary>
    public static void ReplaceContents(GraphProto graph, IEnumerable<NodeProto> nodes, Func<TensorProto, bool> keepInitializer,
        IEnumerable<TensorProto> added)
    {
        var nodeList = nodes.ToList();
        graph.Node.Clear();
        graph.Node.AddRange(nodeList);
        var kept = graph.Initializer.Where(keepInitializer).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);
        graph.Initializer.AddRange(added);
    }
}
