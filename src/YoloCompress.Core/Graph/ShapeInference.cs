using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>Static tensor shapes of a graph for a batch of one, propagated node by node through the ops YOLO
/// graphs contain (convolutions, pooling, resize, concat/split/slice, element-wise ops, reshape/transpose,
/// Quantize/DequantizeLinear...). Shapes it cannot work out are absent; the graph's value_info fills gaps.
/// Small by design: enough for FLOPs and for checks, not a general ONNX shape inference.</summary>
internal static class ShapeInference
{
    private static readonly HashSet<string> SameShape = new(StringComparer.Ordinal)
    {
        "Sigmoid", "Relu", "LeakyRelu", "HardSwish", "HardSigmoid", "Tanh", "Identity", "BatchNormalization",
        "QuantizeLinear", "DequantizeLinear", "Cast", "Clip", "Softplus", "Mish", "Elu", "Selu", "Gelu", "Neg", "Abs",
        "Exp", "Log", "Sqrt", "Erf", "Dropout", "Softmax", "Reciprocal", "Floor", "Ceil", "Round", "PRelu",
        "InstanceNormalization", "LayerNormalization", "Not", "Sign",
    };

    private static readonly HashSet<string> Broadcast = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Mod", "Where", "Equal", "Greater", "Less", "And", "Or", "Sum", "Mean",
    };

    /// <summary>Known shapes by tensor name. Symbolic input dims become 1 for the first (batch) and
    /// <paramref name="inputSize"/> for the others.</summary>
    public static Dictionary<string, long[]> Infer(GraphProto graph, int? inputSize)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var vi in graph.ValueInfo.Concat(graph.Output))
            if (StaticShape(vi) is { } s) shapes[vi.Name] = s;
        foreach (var init in graph.Initializer) shapes[init.Name] = init.Dims.ToArray();
        foreach (var input in graph.Input)
        {
            if (shapes.ContainsKey(input.Name) && graph.Initializer.Any(i => i.Name == input.Name)) continue;
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null) continue;
            var shape = new long[dims.Count];
            for (int d = 0; d < dims.Count; d++)
                shape[d] = dims[d].HasDimValue ? dims[d].DimValue
                    : d == 0 ? 1
                    : inputSize ?? throw new ArgumentException($"Input '{input.Name}' has a symbolic dimension {d} ('{dims[d].DimParam}'); pass the input size.");
            shapes[input.Name] = shape;
        }

        var index = new GraphIndex(graph);
        foreach (var node in graph.Node)
        {
            try
            {
                var outputs = InferNode(node, shapes, index);
                if (outputs is null) continue;
                for (int i = 0; i < outputs.Length && i < node.Output.Count; i++)
                    if (node.Output[i].Length > 0) shapes[node.Output[i]] = outputs[i];
            }
            catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidDataException or DivideByZeroException)
            {
                // A node whose constant inputs we cannot read leaves its outputs unknown.
            }
        }
        return shapes;
    }

    private static long[][]? InferNode(NodeProto node, Dictionary<string, long[]> shapes, GraphIndex index)
    {
        long[]? In(int i) => i < node.Input.Count && node.Input[i].Length > 0 ? shapes.GetValueOrDefault(node.Input[i]) : null;
        var x = In(0);
        if (node.OpType == "Constant")
            return node.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } t ? new[] { t.Dims.ToArray() } : null;
        if (x is null) return null;
        if (SameShape.Contains(node.OpType)) return new[] { x };
        if (Broadcast.Contains(node.OpType))
        {
            var inputs = Enumerable.Range(0, node.Input.Count).Select(In).ToList();
            return inputs.Any(s => s is null) ? null : new[] { BroadcastShapes(inputs!) };
        }
        switch (node.OpType)
        {
            case "Conv":
                return In(1) is { } w ? new[] { Windowed(node, x, w[2..], w[0], transposed: false) } : null;
            case "ConvTranspose":
                return In(1) is { } wt ? new[] { Windowed(node, x, wt[2..], wt[1] * OnnxNodes.GetInt(node, "group", 1), transposed: true) } : null;
            case "MaxPool" or "AveragePool" or "LpPool":
                return new[] { Windowed(node, x, OnnxNodes.GetInts(node, "kernel_shape", Array.Empty<long>()), x[1], transposed: false) };
            case "GlobalAveragePool" or "GlobalMaxPool":
                return new[] { x.Select((d, i) => i < 2 ? d : 1).ToArray() };
            case "Resize" or "Upsample":
                return new[] { ResizeShape(node, x, index) };
            case "Concat":
            {
                var inputs = Enumerable.Range(0, node.Input.Count).Select(In).ToList();
                if (inputs.Any(s => s is null)) return null;
                int axis = Axis(OnnxNodes.GetInt(node, "axis", 1), x.Length);
                var result = (long[])x.Clone();
                result[axis] = inputs.Sum(s => s![axis]);
                return new[] { result };
            }
            case "Split":
            {
                int axis = Axis(OnnxNodes.GetInt(node, "axis", 0), x.Length);
                var sizes = node.Input.Count > 1 && index.Initializer(node.Input[1]) is { } st ? OnnxTensors.ToInt64Array(st)
                    : OnnxNodes.GetInts(node, "split", Enumerable.Repeat(x[axis] / node.Output.Count, node.Output.Count).ToArray());
                return sizes.Select(s => { var r = (long[])x.Clone(); r[axis] = s; return r; }).ToArray();
            }
            case "Slice":
                return new[] { SliceShape(node, x, index) };
            case "MatMul":
                return In(1) is { } b ? new[] { MatMulShape(x, b) } : null;
            case "Pad":
            {
                var pads = Constant(node, 1, index);
                if (pads is null || pads.Length != 2 * x.Length) return null;
                return new[] { x.Select((d, i) => d + pads[i] + pads[x.Length + i]).ToArray() };
            }
            case "Reshape":
            {
                var target = Constant(node, 1, index);
                if (target is null) return null;
                var result = target.Select((d, i) => d == 0 ? x[i] : d).ToArray();
                int unknown = Array.IndexOf(result, -1);
                if (unknown >= 0) result[unknown] = x.Aggregate(1L, (a, b) => a * b) / result.Where(d => d != -1).Aggregate(1L, (a, b) => a * b);
                return new[] { result };
            }
            case "Transpose":
            {
                var perm = OnnxNodes.GetInts(node, "perm", Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray());
                return new[] { perm.Select(p => x[p]).ToArray() };
            }
            case "Flatten":
            {
                int axis = Axis(OnnxNodes.GetInt(node, "axis", 1), x.Length + 1);
                return new[] { new[] { x[..axis].Aggregate(1L, (a, b) => a * b), x[axis..].Aggregate(1L, (a, b) => a * b) } };
            }
            default:
                return null;
        }
    }

    /// <summary>Output of a convolution or pooling window, with pads / auto_pad / dilations / ceil_mode;
    /// transposed convolutions follow the ONNX ConvTranspose formula.</summary>
    private static long[] Windowed(NodeProto node, long[] x, long[] kernel, long channels, bool transposed)
    {
        int rank = kernel.Length;
        var strides = OnnxNodes.GetInts(node, "strides", Enumerable.Repeat(1L, rank).ToArray());
        var dilations = OnnxNodes.GetInts(node, "dilations", Enumerable.Repeat(1L, rank).ToArray());
        var pads = OnnxNodes.GetInts(node, "pads", new long[rank * 2]);
        var autoPad = OnnxNodes.Attribute(node, "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        bool ceil = OnnxNodes.GetInt(node, "ceil_mode", 0) != 0;
        var result = new long[2 + rank];
        result[0] = x[0];
        result[1] = channels;
        var outputShape = OnnxNodes.GetInts(node, "output_shape", Array.Empty<long>());
        var outputPadding = OnnxNodes.GetInts(node, "output_padding", new long[rank]);
        for (int d = 0; d < rank; d++)
        {
            long input = x[2 + d], effective = dilations[d] * (kernel[d] - 1) + 1;
            if (transposed)
            {
                result[2 + d] = outputShape.Length == rank ? outputShape[d]
                    : autoPad is "SAME_UPPER" or "SAME_LOWER" ? input * strides[d]
                    : strides[d] * (input - 1) + outputPadding[d] + effective - pads[d] - pads[rank + d];
            }
            else if (autoPad is "SAME_UPPER" or "SAME_LOWER")
                result[2 + d] = (input + strides[d] - 1) / strides[d];
            else if (autoPad == "VALID")
                result[2 + d] = (input - effective) / strides[d] + 1;
            else
            {
                double span = (double)(input + pads[d] + pads[rank + d] - effective) / strides[d];
                result[2 + d] = (long)(ceil ? Math.Ceiling(span) : Math.Floor(span)) + 1;
            }
        }
        return result;
    }

    private static long[] ResizeShape(NodeProto node, long[] x, GraphIndex index)
    {
        // Resize(X, roi, scales, sizes) since opset 11; Upsample(X, scales) before.
        int scalesInput = node.OpType == "Upsample" ? 1 : 2;
        if (node.Input.Count > 3 && node.Input[3].Length > 0 && Constant(node, 3, index) is { } sizes) return sizes;
        var scalesTensor = node.Input.Count > scalesInput && node.Input[scalesInput].Length > 0 ? index.Initializer(node.Input[scalesInput]) : null;
        var scales = scalesTensor is not null ? OnnxTensors.ToFloatArray(scalesTensor) : OnnxNodes.GetInts(node, "scales", Array.Empty<long>()).Select(v => (float)v).ToArray();
        if (scales.Length != x.Length) throw new InvalidDataException("Resize scales unknown.");
        return x.Select((d, i) => (long)Math.Floor(d * scales[i])).ToArray();
    }

    private static long[] SliceShape(NodeProto node, long[] x, GraphIndex index)
    {
        var starts = Constant(node, 1, index) ?? throw new InvalidDataException("starts");
        var ends = Constant(node, 2, index) ?? throw new InvalidDataException("ends");
        var axes = Constant(node, 3, index) ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = Constant(node, 4, index) ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        var result = (long[])x.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = Axis(axes[i], x.Length);
            long size = x[axis], step = steps[i];
            long Clamp(long v, long lo, long hi) => Math.Min(Math.Max(v < 0 ? v + size : v, lo), hi);
            long start = step > 0 ? Clamp(starts[i], 0, size) : Clamp(starts[i], -1, size - 1);
            long end = step > 0 ? Clamp(ends[i], 0, size) : Clamp(ends[i], -1, size - 1);
            result[axis] = step > 0 ? Math.Max(0, (end - start + step - 1) / step) : Math.Max(0, (start - end - step - 1) / -step);
        }
        return result;
    }

    /// <summary>numpy matmul: [..., M, K] x [..., K, N] -> [..., M, N], batch dims broadcast.</summary>
    internal static long[] MatMulShape(long[] a, long[] b)
    {
        if (a.Length < 2 || b.Length < 2) throw new InvalidDataException("MatMul of vectors is not tracked.");
        var batch = BroadcastShapes(new[] { a[..^2], b[..^2] });
        return batch.Append(a[^2]).Append(b[^1]).ToArray();
    }

    private static long[] BroadcastShapes(IReadOnlyList<long[]> shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new long[rank];
        for (int d = 0; d < rank; d++)
            result[d] = shapes.Select(s => d - (rank - s.Length) is var k && k >= 0 ? s[k] : 1).Max();
        return result;
    }

    private static long[]? Constant(NodeProto node, int input, GraphIndex index)
    {
        if (input >= node.Input.Count || node.Input[input].Length == 0) return null;
        if (index.Initializer(node.Input[input]) is { } t) return OnnxTensors.ToInt64Array(t);
        var producer = index.Producer(node.Input[input]);
        return producer?.OpType == "Constant" && producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } c ? OnnxTensors.ToInt64Array(c) : null;
    }

    private static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    private static long[]? StaticShape(ValueInfoProto vi)
    {
        var dims = vi.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count == 0 || dims.Any(d => !d.HasDimValue)) return null;
        return dims.Select(d => d.DimValue).ToArray();
    }
}
