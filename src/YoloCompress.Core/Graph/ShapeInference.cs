using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>Static tensor shapes of a graph for a batch of one, propagated node by node through the ops YOLO
/// graphs contain: convolutions, pooling, Resize (scales or sizes), Concat/Split/Slice, element-wise ops,
/// Reshape/Transpose/Expand, Quantize/DequantizeLinear, and the shape subgraphs exporters emit with dynamic
/// axes (Shape, Gather, Unsqueeze, Concat, Cast, Range, ConstantOfShape...), whose small values are folded
/// by <see cref="ValueFolding"/>. Shapes it cannot work out are absent; the graph's value_info fills gaps.
/// Enough for FLOPs and for checks, not a general ONNX shape inference.</summary>
internal static class ShapeInference
{
    private static readonly HashSet<string> SameShape = new(StringComparer.Ordinal)
    {
        "Sigmoid", "Relu", "LeakyRelu", "HardSwish", "HardSigmoid", "Tanh", "Identity", "BatchNormalization",
        "QuantizeLinear", "DequantizeLinear", "Cast", "CastLike", "Clip", "Softplus", "Mish", "Elu", "Selu", "Gelu", "Neg", "Abs",
        "Exp", "Log", "Sqrt", "Erf", "Dropout", "Softmax", "Reciprocal", "Floor", "Ceil", "Round", "PRelu",
        "InstanceNormalization", "LayerNormalization", "Not", "Sign", "IsNaN", "IsInf", "Sin", "Cos",
    };

    private static readonly HashSet<string> Broadcast = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "Where", "Equal", "Greater", "Less", "GreaterOrEqual",
        "LessOrEqual", "And", "Or", "Xor", "Sum", "Mean", "BitShift",
    };

    /// <summary>Known shapes by tensor name. Symbolic input dims become 1 for the first (batch) and
    /// <paramref name="inputSize"/> for the others.</summary>
    public static Dictionary<string, long[]> Infer(GraphProto graph, int? inputSize) => InferWithValues(graph, inputSize).Shapes;

    /// <summary>Shapes, and the values of the small tensors that could be folded.</summary>
    public static (Dictionary<string, long[]> Shapes, Dictionary<string, TensorValue> Values) InferWithValues(GraphProto graph, int? inputSize)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var values = new Dictionary<string, TensorValue>(StringComparer.Ordinal);
        foreach (var vi in graph.ValueInfo.Concat(graph.Output))
            if (StaticShape(vi) is { } s) shapes[vi.Name] = s;
        var initializers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var init in graph.Initializer)
        {
            initializers.Add(init.Name);
            shapes[init.Name] = init.Dims.ToArray();
            if (TensorValue.Of(init) is { } v) values[init.Name] = v;
        }
        foreach (var input in graph.Input)
        {
            if (initializers.Contains(input.Name)) continue;
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null) continue;
            var shape = new long[dims.Count];
            for (int d = 0; d < dims.Count; d++)
                shape[d] = dims[d].HasDimValue ? dims[d].DimValue
                    : d == 0 ? 1
                    : inputSize ?? throw new ArgumentException($"Input '{input.Name}' has a symbolic dimension {d} ('{dims[d].DimParam}'); pass the input size.");
            shapes[input.Name] = shape;
        }

        foreach (var node in graph.Node)
        {
            var inputs = new NodeInputs(node, shapes, values);
            try
            {
                inputs.OutputShapes = InferNode(node, inputs);
                var folded = ValueFolding.Evaluate(node, inputs);
                for (int i = 0; i < node.Output.Count; i++)
                {
                    if (node.Output[i].Length == 0) continue;
                    if (folded is not null && i < folded.Length)
                    {
                        values[node.Output[i]] = folded[i];
                        shapes[node.Output[i]] = folded[i].Dims;
                    }
                    else if (inputs.OutputShape(i) is { } shape) shapes[node.Output[i]] = shape;
                }
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException
                                          or InvalidDataException or DivideByZeroException or InvalidOperationException or OverflowException)
            {
                // A node whose inputs we cannot read leaves its outputs unknown.
            }
        }
        return (shapes, values);
    }

    private static long[][]? InferNode(NodeProto node, NodeInputs inputs)
    {
        if (node.OpType == "Constant")
            return ValueFolding.ConstantDims(node) is { } dims ? new[] { dims } : null;
        var x = inputs.Shape(0);
        if (x is null) return null;
        if (SameShape.Contains(node.OpType)) return new[] { x };
        if (Broadcast.Contains(node.OpType))
        {
            var all = Enumerable.Range(0, inputs.Count).Select(inputs.Shape).ToList();
            return all.Any(s => s is null) ? null : new[] { ShapeFormulas.BroadcastShapes(all!) };
        }
        switch (node.OpType)
        {
            case "Conv":
                return inputs.Shape(1) is { } w ? new[] { ShapeFormulas.Windowed(node, x, w[2..], w[0], transposed: false) } : null;
            case "ConvTranspose":
                return inputs.Shape(1) is { } wt ? new[] { ShapeFormulas.Windowed(node, x, wt[2..], wt[1] * OnnxNodes.GetInt(node, "group", 1), transposed: true) } : null;
            case "MaxPool" or "AveragePool" or "LpPool":
                return new[] { ShapeFormulas.Windowed(node, x, OnnxNodes.GetInts(node, "kernel_shape", Array.Empty<long>()), x[1], transposed: false) };
            case "GlobalAveragePool" or "GlobalMaxPool":
                return new[] { x.Select((d, i) => i < 2 ? d : 1).ToArray() };
            case "Resize" or "Upsample":
                return new[] { ShapeFormulas.ResizeShape(node, x, inputs) };
            case "Concat":
            {
                var all = Enumerable.Range(0, inputs.Count).Select(inputs.Shape).ToList();
                if (all.Any(s => s is null)) return null;
                int axis = Axis(OnnxNodes.GetInt(node, "axis", 1), x.Length);
                var result = (long[])x.Clone();
                result[axis] = all.Sum(s => s![axis]);
                return new[] { result };
            }
            case "Split":
            {
                int axis = Axis(OnnxNodes.GetInt(node, "axis", 0), x.Length);
                int n = node.Output.Count;
                var sizes = inputs.Present(1) ? inputs.Ints(1)
                    : OnnxNodes.Attribute(node, "split") is { } split ? split.Ints.ToArray()
                    // Equal parts; opset 18's num_outputs makes the last one smaller when they do not divide.
                    : Enumerable.Range(0, n).Select(i => Math.Min((x[axis] + n - 1) / n, x[axis] - i * ((x[axis] + n - 1) / n))).ToArray();
                return sizes?.Select(s => { var r = (long[])x.Clone(); r[axis] = s; return r; }).ToArray();
            }
            case "Slice":
                return new[] { ShapeFormulas.SliceShape(node, x, inputs) };
            case "MatMul":
                return inputs.Shape(1) is { } b ? new[] { ShapeFormulas.MatMulShape(x, b) } : null;
            case "Pad":
            {
                var pads = inputs.Present(1) ? inputs.Ints(1) : OnnxNodes.GetInts(node, "pads", Array.Empty<long>());
                if (pads is null || pads.Length != 2 * x.Length) return null;
                return new[] { x.Select((d, i) => d + pads[i] + pads[x.Length + i]).ToArray() };
            }
            case "Reshape":
            {
                var target = inputs.Ints(1);
                if (target is null) return null;
                bool allowZero = OnnxNodes.GetInt(node, "allowzero", 0) != 0;
                var result = target.Select((d, i) => d == 0 && !allowZero ? x[i] : d).ToArray();
                int unknown = Array.IndexOf(result, -1);
                if (unknown >= 0) result[unknown] = Product(x) / result.Where(d => d != -1).Aggregate(1L, (a, b) => a * b);
                return new[] { result };
            }
            case "Transpose":
            {
                var perm = OnnxNodes.GetInts(node, "perm", Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray());
                return new[] { perm.Select(p => x[p]).ToArray() };
            }
            case "Flatten":
            {
                int axis = Axis(OnnxNodes.GetInt(node, "axis", 1), x.Length);
                return new[] { new[] { Product(x[..axis]), Product(x[axis..]) } };
            }
            case "Unsqueeze":
            {
                var axes = AxesOf(node, inputs) ?? throw new InvalidDataException("Unsqueeze axes unknown.");
                int rank = x.Length + axes.Length;
                var normalized = axes.Select(a => Axis(a, rank)).ToHashSet();
                var result = new long[rank];
                for (int d = 0, k = 0; d < rank; d++) result[d] = normalized.Contains(d) ? 1 : x[k++];
                return new[] { result };
            }
            case "Squeeze":
            {
                var axes = AxesOf(node, inputs)?.Select(a => Axis(a, x.Length)).ToHashSet();
                return new[] { x.Where((d, i) => axes is null ? d != 1 : !axes.Contains(i)).ToArray() };
            }
            case "Shape":
                return new[] { new long[] { x.Length } }; // start/end are handled when the value is folded
            case "Size":
                return new[] { Array.Empty<long>() };
            case "Gather":
            {
                var indices = inputs.Shape(1);
                if (indices is null) return null;
                int axis = Axis(OnnxNodes.GetInt(node, "axis", 0), x.Length);
                return new[] { x[..axis].Concat(indices).Concat(x[(axis + 1)..]).ToArray() };
            }
            case "Expand":
                return inputs.Ints(1) is { } expandTo ? new[] { ShapeFormulas.BroadcastShapes(new[] { x, expandTo }) } : null;
            case "Tile":
                return inputs.Ints(1) is { } repeats ? new[] { x.Select((d, i) => d * repeats[i]).ToArray() } : null;
            case "ConstantOfShape":
                return inputs.Ints(0) is { } shape ? new[] { shape } : null;
            case "Range":
                return null; // only its folded value says how long it is
            case "ReduceMean" or "ReduceSum" or "ReduceMax" or "ReduceMin" or "ReduceProd" or "ReduceL2":
            {
                var axes = AxesOf(node, inputs)?.Select(a => Axis(a, x.Length)).ToHashSet();
                bool keep = OnnxNodes.GetInt(node, "keepdims", 1) != 0;
                var result = x.Select((d, i) => axes is null || axes.Contains(i) ? (keep ? 1 : -1) : d).Where(d => d != -1).ToArray();
                return new[] { result };
            }
            default:
                return null;
        }
    }

    /// <summary>Unsqueeze/Squeeze/Reduce axes: an attribute before opset 13 (18 for most reductions), then an input.</summary>
    private static long[]? AxesOf(NodeProto node, NodeInputs inputs) =>
        OnnxNodes.Attribute(node, "axes") is { } a ? a.Ints.ToArray() : inputs.Present(1) ? inputs.Ints(1) ?? throw new InvalidDataException("axes unknown") : null;

    private static long Product(IEnumerable<long> dims) => dims.Aggregate(1L, (a, b) => a * b);

    private static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    private static long[]? StaticShape(ValueInfoProto vi)
    {
        var dims = vi.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count == 0 || dims.Any(d => !d.HasDimValue)) return null;
        return dims.Select(d => d.DimValue).ToArray();
    }
}
