using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Rewrites each node of a graph from one opset to another. Every operator the tool writes (and the
/// reference exporter's common ones) is listed with the opset that introduced it; where its signature changed
/// between the two opsets the node is rewritten to the same computation, else it is copied. Between 12 and 23
/// the other listed operators only gained input types; from 23 to 26 none of them changed.</summary>
internal sealed class OpsetRewriter
{
    private static readonly Dictionary<string, int> Introduced = new(StringComparer.Ordinal)
    {
        ["Abs"] = 1, ["Add"] = 1, ["AveragePool"] = 1, ["BatchNormalization"] = 1, ["Cast"] = 1, ["Ceil"] = 1,
        ["Clip"] = 1, ["Concat"] = 1, ["Constant"] = 1, ["Conv"] = 1, ["ConvTranspose"] = 1, ["DequantizeLinear"] = 10,
        ["Div"] = 1, ["Elu"] = 1, ["Exp"] = 1, ["Flatten"] = 1, ["Floor"] = 1, ["Gather"] = 1, ["GlobalAveragePool"] = 1,
        ["HardSigmoid"] = 1, ["HardSwish"] = 14, ["Identity"] = 1, ["LeakyRelu"] = 1, ["MaxPool"] = 1, ["Mul"] = 1,
        ["Neg"] = 1, ["Pow"] = 1, ["QuantizeLinear"] = 10, ["Relu"] = 1, ["Reshape"] = 5, ["Resize"] = 10, ["Selu"] = 1,
        ["Shape"] = 1, ["Sigmoid"] = 1, ["Slice"] = 1, ["Softplus"] = 1, ["Split"] = 1, ["Sqrt"] = 1, ["Squeeze"] = 1,
        ["Sub"] = 1, ["Tanh"] = 1, ["Transpose"] = 1, ["Unsqueeze"] = 1,
        ["ReduceL1"] = 1, ["ReduceL2"] = 1, ["ReduceLogSum"] = 1, ["ReduceLogSumExp"] = 1, ["ReduceMax"] = 1,
        ["ReduceMean"] = 1, ["ReduceMin"] = 1, ["ReduceProd"] = 1, ["ReduceSum"] = 1, ["ReduceSumSquare"] = 1,
    };

    private readonly GraphProto _graph;
    private readonly int _source, _target;
    private readonly UniqueNames _names;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, NodeProto> _constants;
    private readonly HashSet<string> _detached = new(StringComparer.Ordinal);
    private readonly List<TensorProto> _added = [];

    public OpsetRewriter(GraphProto graph, int source, int target)
    {
        _graph = graph;
        _source = source;
        _target = target;
        _names = new UniqueNames(graph);
        _initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _constants = graph.Node.Where(n => n.OpType == "Constant" && n.Output.Count == 1).ToDictionary(n => n.Output[0], StringComparer.Ordinal);
    }

    public void Run()
    {
        var nodes = new List<NodeProto>();
        foreach (var node in _graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw OpsetConversion.Error(_target, $"node '{node.Name}' is {node.Domain}.{node.OpType}, outside the ONNX operator set");
            if (!Introduced.TryGetValue(node.OpType, out var since))
                throw OpsetConversion.Error(_target, $"node '{node.Name}' is {node.OpType}, which the opset converter does not know; keep the model's opset {_source}");
            if (node.OpType == "HardSwish" && _target < since)
            {
                nodes.AddRange(HardSwishAsHardSigmoid(node));
                continue;
            }
            if (_target < since)
                throw OpsetConversion.Error(_target, $"node '{node.Name}' is {node.OpType}, which ONNX has from opset {since}");
            Rewrite(node);
            nodes.Add(node);
        }
        // Parameters that became attributes leave their tensors behind; keep those something else still reads.
        var read = nodes.SelectMany(n => n.Input).Concat(_graph.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var unread = _detached.Where(t => !read.Contains(t)).ToHashSet(StringComparer.Ordinal);
        nodes.RemoveAll(n => n.OpType == "Constant" && n.Output.All(unread.Contains));
        OnnxGraphs.ReplaceContents(_graph, nodes, t => !unread.Contains(t.Name), _added);
        foreach (var input in _graph.Input.Where(i => unread.Contains(i.Name)).ToList()) _graph.Input.Remove(input);
        foreach (var info in _graph.ValueInfo.Where(i => unread.Contains(i.Name)).ToList()) _graph.ValueInfo.Remove(info);
    }

    private void Rewrite(NodeProto node)
    {
        switch (node.OpType)
        {
            case "Split":
                MoveBetweenAttributeAndInput(node, "split", 13);
                // From 18 an even split is asked for by num_outputs; before, by giving no sizes.
                if (_target >= 18 && node.Input.Count < 2 && OnnxNodes.Attribute(node, "num_outputs") is null)
                    node.Attribute.Add(OnnxNodes.Int("num_outputs", node.Output.Count));
                if (_target < 18) DropAttribute(node, "num_outputs", null);
                break;
            case "Squeeze" or "Unsqueeze":
                MoveBetweenAttributeAndInput(node, "axes", 13);
                break;
            case "ReduceSum":
                MoveBetweenAttributeAndInput(node, "axes", 13);
                if (_target < 13) DropAttribute(node, "noop_with_empty_axes", 0);
                break;
            case { } reduce when reduce.StartsWith("Reduce", StringComparison.Ordinal):
                MoveBetweenAttributeAndInput(node, "axes", 18);
                if (_target < 18) DropAttribute(node, "noop_with_empty_axes", 0);
                break;
            case "Resize":
                OpsetResize.Rewrite(node, _target, this);
                break;
            case "QuantizeLinear" or "DequantizeLinear":
                OpsetQuantization.Rewrite(node, _target, this);
                break;
            case "Cast" when _target < 19:
                DropAttribute(node, "saturate", 1);
                break;
            case "Reshape" when _target < 14:
                DropAttribute(node, "allowzero", 0);
                break;
            case "BatchNormalization" when _target < 14:
                DropAttribute(node, "training_mode", 0);
                break;
            case "AveragePool" when _target < 19:
                if (OnnxNodes.Attribute(node, "dilations") is { } d && d.Ints.Any(v => v != 1))
                    throw OpsetConversion.Error(_target, $"node '{node.Name}' (AveragePool) is dilated, which ONNX has from opset 19");
                DropAttribute(node, "dilations", null);
                break;
            case "Shape" when _target < 15:
                DropAttribute(node, "start", 0);
                if (OnnxNodes.Attribute(node, "end") is not null)
                    throw OpsetConversion.Error(_target, $"node '{node.Name}' (Shape) takes a slice of the shape, which ONNX has from opset 15");
                break;
        }
    }

    /// <summary>From <paramref name="since"/> on, a parameter (Split's sizes, Squeeze's axes...) is the node's
    /// second input instead of an attribute. Moving it down needs its value: a constant, or an error.</summary>
    private void MoveBetweenAttributeAndInput(NodeProto node, string parameter, int since)
    {
        if ((_source >= since) == (_target >= since)) return;
        if (_target >= since)
        {
            if (OnnxNodes.Attribute(node, parameter) is not { } attribute) return;
            node.Attribute.Remove(attribute);
            var name = _names.Take($"{NameOf(node)}.{parameter}");
            _added.Add(OnnxTensors.Int64(name, [attribute.Ints.Count], attribute.Ints.ToArray()));
            node.Input.Add(name);
            return;
        }
        if (node.Input.Count < 2) return;
        var tensor = node.Input[1];
        node.Input.RemoveAt(1);
        if (tensor.Length == 0) return;
        var values = ConstantInt64(tensor) ?? throw OpsetConversion.Error(_target,
            $"node '{NameOf(node)}' ({node.OpType}) computes its {parameter} at run time, and opset {_target} needs them as a constant attribute");
        node.Attribute.Add(OnnxNodes.Ints(parameter, values));
        _detached.Add(tensor);
    }

    /// <summary>Removes an attribute the target opset does not have; an error unless it holds the value that
    /// means what the target does anyway (<paramref name="neutral"/>; null: any value).</summary>
    internal void DropAttribute(NodeProto node, string name, long? neutral)
    {
        if (OnnxNodes.Attribute(node, name) is not { } attribute) return;
        if (neutral is { } value && attribute.I != value)
            throw OpsetConversion.Error(_target, $"node '{NameOf(node)}' ({node.OpType}) sets {name}={attribute.I}, which opset {_target} does not have");
        node.Attribute.Remove(attribute);
    }

    internal long[]? ConstantInt64(string tensor) => Constant(tensor) is { DataType: (int)TensorProto.Types.DataType.Int64 } t ? OnnxTensors.ToInt64Array(t) : null;

    internal TensorProto? Constant(string tensor) =>
        _initializers.TryGetValue(tensor, out var t) ? t
        : _constants.TryGetValue(tensor, out var c) ? OnnxNodes.Attribute(c, "value")?.T
        : null;

    /// <summary>A new initializer under a fresh name; returns the name.</summary>
    internal string AddInitializer(string wanted, TensorProto tensor)
    {
        tensor.Name = _names.Take(wanted);
        _added.Add(tensor);
        return tensor.Name;
    }

    internal static string NameOf(NodeProto node) => node.Name is { Length: > 0 } name ? name : node.Output[0];

    /// <summary>HardSwish (opset 14) as the older ops compute it: x * HardSigmoid(x, 1/6, 0.5).</summary>
    private IEnumerable<NodeProto> HardSwishAsHardSigmoid(NodeProto node)
    {
        var gate = _names.Take(NameOf(node) + ".hardsigmoid");
        yield return OnnxNodes.Node("HardSigmoid", gate, [node.Input[0]], [gate],
            OnnxNodes.Float("alpha", 1f / 6f), OnnxNodes.Float("beta", 0.5f));
        yield return OnnxNodes.Node("Mul", node.Name, [node.Input[0], gate], node.Output);
    }
}
