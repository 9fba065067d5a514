using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Hands out node and tensor names not yet used in a graph: the wanted name when free,
/// else the name with _1, _2... Deterministic, as names depend only on the graph and call order.</summary>
internal sealed class UniqueNames
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public UniqueNames(GraphProto graph)
    {
        foreach (var i in graph.Input) _used.Add(i.Name);
        foreach (var o in graph.Output) _used.Add(o.Name);
        foreach (var i in graph.Initializer) _used.Add(i.Name);
        foreach (var v in graph.ValueInfo) _used.Add(v.Name);
        foreach (var n in graph.Node)
        {
            _used.Add(n.Name);
            foreach (var o in n.Output) _used.Add(o);
        }
    }

    public string Take(string wanted)
    {
        if (_used.Add(wanted)) return wanted;
        for (int k = 1; ; k++)
        {
            var candidate = $"{wanted}_{k}";
            if (_used.Add(candidate)) return candidate;
        }
    }
}
