using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>A feature map flowing between layers while the graph is built: its tensor name and the
/// channel and spatial sizes the builder has worked out for it (batch excluded).</summary>
internal readonly record struct Feature(string Name, int Channels, int Height, int Width)
{
    public string ShapeText => $"[{Channels}, {Height}, {Width}]";
}

/// <summary>Appends nodes and initializers to a graph under the naming convention every stage relies on:
/// a node's single output tensor has the node's name; multi-output nodes use name:0, name:1...</summary>
internal sealed class GraphWriter
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new() { Name = "main_graph" };

    /// <summary>Adds a node whose single output is named like the node; returns that name.</summary>
    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        Reserve(name);
        Graph.Node.Add(OnnxNodes.Node(opType, name, inputs, new[] { name }, attributes));
        return name;
    }

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs named name:0, name:1...; returns them.</summary>
    public string[] MultiOutputNode(string opType, string name, int outputCount, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        Reserve(name);
        var outputs = Enumerable.Range(0, outputCount).Select(i => $"{name}:{i}").ToArray();
        foreach (var o in outputs) Reserve(o);
        Graph.Node.Add(OnnxNodes.Node(opType, name, inputs, outputs, attributes));
        return outputs;
    }

    public string Float(string name, long[] dims, float[] data)
    {
        Reserve(name);
        Graph.Initializer.Add(OnnxTensors.Float(name, dims, data));
        return name;
    }

    /// <summary>A checkpoint tensor as an initializer under its own name (model.0.conv.weight...).</summary>
    public string Weight(Checkpoints.CheckpointTensor tensor) =>
        Float(tensor.Name, tensor.Shape.Select(d => (long)d).ToArray(), tensor.Data);

    public string Int64(string name, params long[] data)
    {
        Reserve(name);
        Graph.Initializer.Add(OnnxTensors.Int64(name, new long[] { data.Length }, data));
        return name;
    }

    public string Int64Scalar(string name, long value)
    {
        Reserve(name);
        Graph.Initializer.Add(OnnxTensors.Int64(name, ReadOnlySpan<long>.Empty, new[] { value }));
        return name;
    }

    public string Scalar(string name, float value)
    {
        Reserve(name);
        Graph.Initializer.Add(OnnxTensors.Float(name, ReadOnlySpan<long>.Empty, new[] { value }));
        return name;
    }

    public void Input(string name, params object[] dims) => Graph.Input.Add(ValueInfo(name, dims));

    public void Output(string name, params object[] dims) => Graph.Output.Add(ValueInfo(name, dims));

    /// <summary>A float32 tensor value info; a dim is a long (fixed) or a string (symbolic, e.g. "batch").</summary>
    private static ValueInfoProto ValueInfo(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private void Reserve(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"Graph name '{name}' is used twice.");
    }
}
