using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>Constant folding of the small integer and float tensors shape subgraphs compute (Shape, Gather,
/// Unsqueeze, Concat, Cast, Range, ConstantOfShape, arithmetic...): an exporter with dynamic axes computes
/// Reshape targets, Expand shapes and Resize sizes this way instead of storing them. Returns null for an op
/// it does not evaluate or inputs it does not know; ShapeInference then falls back to shapes alone.</summary>
internal static class ValueFolding
{
    public static TensorValue[]? Evaluate(NodeProto node, NodeInputs inputs)
    {
        var x = inputs.Value(0);
        switch (node.OpType)
        {
            case "Constant":
                return ConstantValue(node) is { } c ? new[] { c } : null;
            case "Shape":
            {
                var shape = inputs.Shape(0);
                if (shape is null) return null;
                int rank = shape.Length;
                long start = Clamp(OnnxNodes.GetInt(node, "start", 0), rank), end = Clamp(OnnxNodes.GetInt(node, "end", rank), rank);
                return new[] { TensorValue.Ints(shape[(int)start..(int)Math.Max(start, end)]) };
            }
            case "Size":
                return inputs.Shape(0) is { } s ? new[] { TensorValue.Scalar(s.Aggregate(1L, (a, b) => a * b), TensorValue.Int64) } : null;
        }
        if (x is null) return null;
        switch (node.OpType)
        {
            case "Identity":
                return new[] { x };
            case "Cast":
            {
                int to = (int)OnnxNodes.GetInt(node, "to", TensorValue.Float);
                var cast = new TensorValue(x.Dims, x.Data, to);
                return new[] { cast.IsInteger ? cast with { Data = x.Data.Select(v => to == TensorValue.Bool ? (v != 0 ? 1.0 : 0.0) : Math.Truncate(v)).ToArray() } : cast };
            }
            case "Neg": return new[] { Map(x, v => -v) };
            case "Abs": return new[] { Map(x, Math.Abs) };
            case "Floor": return new[] { Map(x, Math.Floor) };
            case "Ceil": return new[] { Map(x, Math.Ceiling) };
            case "Sqrt": return new[] { Map(x, Math.Sqrt) };
            case "Not": return new[] { Map(x, v => v == 0 ? 1 : 0) with { ElemType = TensorValue.Bool } };
            case "Add": return Binary(inputs, (a, b) => a + b);
            case "Sub": return Binary(inputs, (a, b) => a - b);
            case "Mul": return Binary(inputs, (a, b) => a * b);
            case "Div": return Binary(inputs, (a, b) => a / b, integerDivision: true);
            case "Pow": return Binary(inputs, Math.Pow);
            case "Max": return Binary(inputs, Math.Max);
            case "Min": return Binary(inputs, Math.Min);
            case "Mod": return Binary(inputs, (a, b) => a - b * Math.Floor(a / b));
            case "Equal": return Binary(inputs, (a, b) => a == b ? 1 : 0, TensorValue.Bool);
            case "Less": return Binary(inputs, (a, b) => a < b ? 1 : 0, TensorValue.Bool);
            case "Greater": return Binary(inputs, (a, b) => a > b ? 1 : 0, TensorValue.Bool);
            case "Where":
            {
                var (a, b) = (inputs.Value(1), inputs.Value(2));
                if (a is null || b is null) return null;
                var dims = ShapeFormulas.BroadcastShapes(new[] { x.Dims, a.Dims, b.Dims });
                var (c, ta, tb) = (Expand(x, dims), Expand(a, dims), Expand(b, dims));
                return c is null || ta is null || tb is null ? null
                    : new[] { new TensorValue(dims, c.Select((v, i) => v != 0 ? ta[i] : tb[i]).ToArray(), a.ElemType) };
            }
            case "Unsqueeze" or "Squeeze" or "Reshape" or "Flatten":
                // Same data, new dims: ShapeInference has already worked out the output shape.
                return inputs.OutputShape(0) is { } reshaped ? new[] { x with { Dims = reshaped } } : null;
            case "Expand":
            {
                var dims = inputs.OutputShape(0);
                return dims is not null && Expand(x, dims) is { } data ? new[] { new TensorValue(dims, data, x.ElemType) } : null;
            }
            case "ConstantOfShape":
            {
                var dims = x.ToInt64();
                long count = dims.Aggregate(1L, (a, b) => a * b);
                if (count > TensorValue.MaxElements) return null;
                var fill = OnnxNodes.Attribute(node, "value")?.T is { } t ? TensorValue.Of(t) : null;
                return new[] { new TensorValue(dims, Enumerable.Repeat(fill?.Data[0] ?? 0.0, (int)count).ToArray(), fill?.ElemType ?? TensorValue.Float) };
            }
            case "Range":
            {
                var (limit, delta) = (inputs.Value(1), inputs.Value(2));
                if (limit is null || delta is null || delta.Data[0] == 0) return null;
                long n = Math.Max((long)Math.Ceiling((limit.Data[0] - x.Data[0]) / delta.Data[0]), 0);
                if (n > TensorValue.MaxElements) return null;
                return new[] { new TensorValue(new[] { n }, Enumerable.Range(0, (int)n).Select(i => x.Data[0] + i * delta.Data[0]).ToArray(), x.ElemType) };
            }
            case "Gather":
            {
                var indices = inputs.Value(1);
                if (indices is null || x.Dims.Length == 0) return null;
                int axis = (int)Clamp(OnnxNodes.GetInt(node, "axis", 0), x.Dims.Length);
                long outer = x.Dims[..axis].Aggregate(1L, (a, b) => a * b), inner = x.Dims[(axis + 1)..].Aggregate(1L, (a, b) => a * b);
                long size = x.Dims[axis];
                var data = new List<double>();
                for (long o = 0; o < outer; o++)
                    foreach (var raw in indices.Data)
                    {
                        long k = (long)raw < 0 ? (long)raw + size : (long)raw;
                        for (long i = 0; i < inner; i++) data.Add(x.Data[(o * size + k) * inner + i]);
                    }
                var dims = x.Dims[..axis].Concat(indices.Dims).Concat(x.Dims[(axis + 1)..]).ToArray();
                return new[] { new TensorValue(dims, data.ToArray(), x.ElemType) };
            }
            case "Concat":
            {
                var parts = Enumerable.Range(0, node.Input.Count).Select(inputs.Value).ToArray();
                if (parts.Any(p => p is null) || x.Dims.Length != 1) return null; // shape vectors are 1-D
                var data = parts.SelectMany(p => p!.Data).ToArray();
                return new[] { new TensorValue(new long[] { data.Length }, data, x.ElemType) };
            }
            case "Slice" when x.Dims.Length == 1:
            {
                var (starts, ends, axes, steps) = ShapeFormulas.SliceParameters(node, inputs);
                if (starts is null || ends is null || axes.Length != 1) return null;
                var (start, count, step) = ShapeFormulas.SliceRange(starts[0], ends[0], steps[0], x.Dims[0]);
                var data = Enumerable.Range(0, (int)count).Select(i => x.Data[start + i * step]).ToArray();
                return new[] { new TensorValue(new long[] { data.Length }, data, x.ElemType) };
            }
            case "ReduceProd" or "ReduceSum" when x.Dims.Length <= 1 && OnnxNodes.GetInt(node, "keepdims", 1) == 0:
                return new[] { TensorValue.Scalar(node.OpType == "ReduceProd" ? x.Data.Aggregate(1.0, (a, b) => a * b) : x.Data.Sum(), x.ElemType) };
            default:
                return null;
        }
    }

    /// <summary>A Constant node's tensor, whichever of its value attributes it uses.</summary>
    public static TensorValue? ConstantValue(NodeProto node)
    {
        var a = node.Attribute.FirstOrDefault();
        return a?.Name switch
        {
            "value" => a.T is { } t ? TensorValue.Of(t) : null,
            "value_int" => TensorValue.Scalar(a.I, TensorValue.Int64),
            "value_float" => TensorValue.Scalar(a.F, TensorValue.Float),
            "value_ints" => TensorValue.Ints(a.Ints.ToArray()),
            "value_floats" => new TensorValue(new long[] { a.Floats.Count }, a.Floats.Select(v => (double)v).ToArray(), TensorValue.Float),
            _ => null,
        };
    }

    /// <summary>The dims of a Constant node's tensor, even when it is too large to fold.</summary>
    public static long[]? ConstantDims(NodeProto node)
    {
        var a = node.Attribute.FirstOrDefault();
        return a?.Name switch
        {
            "value" => a.T?.Dims.ToArray(),
            "value_int" or "value_float" => Array.Empty<long>(),
            "value_ints" => new long[] { a.Ints.Count },
            "value_floats" => new long[] { a.Floats.Count },
            _ => null,
        };
    }

    private static TensorValue Map(TensorValue x, Func<double, double> f) => x with { Data = x.Data.Select(f).ToArray() };

    private static TensorValue[]? Binary(NodeInputs inputs, Func<double, double, double> f, int? resultType = null, bool integerDivision = false)
    {
        var (a, b) = (inputs.Value(0), inputs.Value(1));
        if (a is null || b is null) return null;
        var dims = ShapeFormulas.BroadcastShapes(new[] { a.Dims, b.Dims });
        var (da, db) = (Expand(a, dims), Expand(b, dims));
        if (da is null || db is null) return null;
        bool integral = a.IsInteger && b.IsInteger;
        var data = new double[da.Length];
        for (int i = 0; i < data.Length; i++)
        {
            double v = f(da[i], db[i]);
            data[i] = integral && integerDivision ? Math.Truncate(v) : v;
        }
        return new[] { new TensorValue(dims, data, resultType ?? a.ElemType) };
    }

    /// <summary>The values broadcast to <paramref name="dims"/> (numpy rules), or null when too large.</summary>
    private static double[]? Expand(TensorValue x, long[] dims)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        if (count > TensorValue.MaxElements) return null;
        if (x.Data.Length == count && x.Dims.SequenceEqual(dims)) return x.Data;
        int rank = dims.Length, offset = rank - x.Dims.Length;
        if (offset < 0) return null;
        var result = new double[count];
        var index = new long[rank];
        for (long flat = 0; flat < count; flat++)
        {
            long source = 0;
            for (int d = 0; d < x.Dims.Length; d++)
                source = source * x.Dims[d] + (x.Dims[d] == 1 ? 0 : index[offset + d]);
            result[flat] = x.Data[source];
            for (int d = rank - 1; d >= 0 && ++index[d] == dims[d]; d--) index[d] = 0;
        }
        return result;
    }

    private static long Clamp(long axis, long rank) => Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
}
