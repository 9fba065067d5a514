using Onnx;

namespace YoloCompress.Core.Graph;

/// <summary>What shape inference knows about one node's inputs (shapes, and values when folded) and,
/// once worked out, its outputs' shapes.</summary>
internal sealed class NodeInputs(NodeProto node, IReadOnlyDictionary<string, long[]> shapes, IReadOnlyDictionary<string, TensorValue> values)
{
    public long[][]? OutputShapes { get; set; }

    public int Count => node.Input.Count;

    public bool Present(int i) => i < node.Input.Count && node.Input[i].Length > 0;

    public long[]? Shape(int i) => Present(i) ? shapes.GetValueOrDefault(node.Input[i]) : null;

    public TensorValue? Value(int i) => Present(i) ? values.GetValueOrDefault(node.Input[i]) : null;

    /// <summary>An input's folded value as integers (axes, shapes, sizes), or null when unknown.</summary>
    public long[]? Ints(int i) => Value(i)?.ToInt64();

    public long[]? OutputShape(int i) => OutputShapes is { } s && i < s.Length ? s[i] : null;
}
