using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>What a rule sees while slicing a copy of the model: which channel positions of each tensor
/// survive, and the copy's initializers.</summary>
internal sealed class SliceContext
{
    private readonly Dictionary<int, bool[]> _keptByGroup;
    private readonly Dictionary<string, TensorProto> _initializers = new();
    private readonly Dictionary<string, int[]?> _keptCache = new();

    public SliceContext(GraphProto graph, DependencyGraph dependencies, PrunePlan plan)
    {
        Graph = graph;
        Dependencies = dependencies;
        _keptByGroup = new();
        foreach (var (group, kept) in plan.Kept)
        {
            var mask = new bool[dependencies.Groups[group].Size];
            foreach (var k in kept) mask[k] = true;
            _keptByGroup[group] = mask;
        }
        foreach (var init in graph.Initializer) _initializers[init.Name] = init;
    }

    public GraphProto Graph { get; }

    public DependencyGraph Dependencies { get; }

    public bool HasLayout(string tensor) => Dependencies.Layout(tensor) is not null;

    /// <summary>Original channel positions of the tensor that survive, ascending; null when the tensor
    /// keeps all of them or carries no tracked channels.</summary>
    public int[]? Kept(string tensor)
    {
        if (_keptCache.TryGetValue(tensor, out var cached)) return cached;
        int[]? result = null;
        if (Dependencies.Layout(tensor) is { } layout)
        {
            var kept = new List<int>(layout.Length);
            for (int p = 0; p < layout.Length; p++)
                if (!_keptByGroup.TryGetValue(Dependencies.GroupOf(layout[p]), out var mask) || mask[layout[p].Index])
                    kept.Add(p);
            if (kept.Count < layout.Length) result = kept.ToArray();
        }
        _keptCache[tensor] = result;
        return result;
    }

    /// <summary>Channels the tensor has after pruning (its original count when untouched).</summary>
    public int KeptCount(string tensor) =>
        Kept(tensor)?.Length ?? Dependencies.Layout(tensor)?.Length
            ?? throw new InvalidOperationException($"Tensor '{tensor}' carries no channel layout.");

    public bool IsInitializer(string name) => _initializers.ContainsKey(name);

    public (float[] Data, long[] Dims) Float(string name)
    {
        var t = Initializer(name);
        return (OnnxTensors.ToFloatArray(t), t.Dims.ToArray());
    }

    public long[] Int64(string name) => OnnxTensors.ToInt64Array(Initializer(name));

    public void ReplaceFloat(string name, float[] data, long[] dims) => Replace(OnnxTensors.Float(name, dims, data));

    public void ReplaceInt64(string name, long[] data) => Replace(OnnxTensors.Int64(name, [data.Length], data));

    public void AddFloat(string name, float[] data, long[] dims) => Add(OnnxTensors.Float(name, dims, data));

    public void AddInt64(string name, long[] data) => Add(OnnxTensors.Int64(name, [data.Length], data));

    /// <summary>The name itself when free, else the name with a numeric suffix.</summary>
    public string NewInitializerName(string name)
    {
        var candidate = name;
        for (int i = 1; _initializers.ContainsKey(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }

    private TensorProto Initializer(string name) =>
        _initializers.GetValueOrDefault(name) ?? throw new InvalidOperationException($"Initializer '{name}' is missing.");

    private void Replace(TensorProto tensor)
    {
        var old = Initializer(tensor.Name);
        Graph.Initializer[Graph.Initializer.IndexOf(old)] = tensor;
        _initializers[tensor.Name] = tensor;
    }

    private void Add(TensorProto tensor)
    {
        Graph.Initializer.Add(tensor);
        _initializers[tensor.Name] = tensor;
    }
}
