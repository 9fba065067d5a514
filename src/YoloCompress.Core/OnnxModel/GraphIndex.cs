using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Who produces and who consumes each tensor of a graph, and its initializers by name.
/// A snapshot: rebuild it after the graph changes.</summary>
public sealed class GraphIndex
{
    private readonly Dictionary<string, NodeProto> _producers = new();
    private readonly Dictionary<string, List<NodeProto>> _consumers = new();
    private readonly Dictionary<string, TensorProto> _initializers = new();
    private static readonly IReadOnlyList<NodeProto> None = Array.Empty<NodeProto>();

    public GraphIndex(GraphProto graph)
    {
        Graph = graph;
        foreach (var init in graph.Initializer) _initializers[init.Name] = init;
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output) if (output.Length > 0) _producers[output] = node;
            foreach (var input in node.Input)
            {
                if (input.Length == 0) continue;
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = new List<NodeProto>();
                list.Add(node);
            }
        }
        GraphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
    }

    public GraphProto Graph { get; }

    public IReadOnlySet<string> GraphOutputs { get; }

    /// <summary>The node whose output this tensor is, or null for graph inputs and initializers.</summary>
    public NodeProto? Producer(string tensor) => _producers.GetValueOrDefault(tensor);

    /// <summary>The nodes that read this tensor, in graph order.</summary>
    public IReadOnlyList<NodeProto> Consumers(string tensor) =>
        _consumers.TryGetValue(tensor, out var list) ? list : None;

    public TensorProto? Initializer(string name) => _initializers.GetValueOrDefault(name);

    public bool IsInitializer(string name) => _initializers.ContainsKey(name);
}
