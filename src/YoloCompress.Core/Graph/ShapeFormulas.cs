using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>The ONNX output-shape formulas of the ops whose shapes need more than their inputs' shapes:
/// windows (Conv, ConvTranspose, pooling), Resize, Slice and broadcasting.</summary>
internal static class ShapeFormulas
{
    /// <summary>Output of a convolution or pooling window, with pads / auto_pad / dilations / ceil_mode;
    /// transposed convolutions follow the ONNX ConvTranspose formula.</summary>
    internal static long[] Windowed(NodeProto node, long[] x, long[] kernel, long channels, bool transposed)
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

    internal static long[] ResizeShape(NodeProto node, long[] x, NodeInputs inputs)
    {
        // Resize(X, roi, scales, sizes) since opset 11 (an empty roi or scales stands for absent); Resize-10 and
        // Upsample-9 take (X, scales); Upsample-7 a scales attribute.
        if (node.OpType == "Resize" && inputs.Count > 3 && inputs.Present(3))
        {
            var sizes = inputs.Ints(3) ?? throw new InvalidDataException("Resize sizes unknown.");
            var axes = OnnxNodes.GetInts(node, "axes", Enumerable.Range(0, x.Length).Select(i => (long)i).ToArray());
            var result = (long[])x.Clone();
            for (int i = 0; i < axes.Length; i++) result[Axis(axes[i], x.Length)] = sizes[i];
            return result;
        }
        int scalesInput = node.OpType == "Upsample" || inputs.Count == 2 ? 1 : 2;
        var scales = inputs.Present(scalesInput) ? inputs.Value(scalesInput)?.Data
            : OnnxNodes.Attribute(node, "scales")?.Floats.Select(v => (double)v).ToArray();
        if (scales is null || scales.Length != x.Length) throw new InvalidDataException("Resize scales unknown.");
        // ONNX: output = floor(input * scale), computed in float32 as the runtimes do.
        return x.Select((d, i) => (long)Math.Floor(d * (float)scales[i])).ToArray();
    }

    /// <summary>Slice's starts, ends, axes and steps: inputs since opset 10, attributes before.</summary>
    internal static (long[]? Starts, long[]? Ends, long[] Axes, long[] Steps) SliceParameters(NodeProto node, NodeInputs inputs)
    {
        var starts = OnnxNodes.Attribute(node, "starts") is { } s ? s.Ints.ToArray() : inputs.Ints(1);
        var ends = OnnxNodes.Attribute(node, "ends") is { } e ? e.Ints.ToArray() : inputs.Ints(2);
        int n = starts?.Length ?? 0;
        var axes = OnnxNodes.Attribute(node, "axes") is { } a ? a.Ints.ToArray()
            : inputs.Present(3) ? inputs.Ints(3) ?? throw new InvalidDataException("Slice axes unknown.")
            : Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var steps = inputs.Present(4) ? inputs.Ints(4) ?? throw new InvalidDataException("Slice steps unknown.") : Enumerable.Repeat(1L, n).ToArray();
        return (starts, ends, axes, steps);
    }

    /// <summary>First index, element count and step of a Slice along an axis of <paramref name="size"/>.</summary>
    internal static (long Start, long Count, long Step) SliceRange(long start, long end, long step, long size)
    {
        if (step == 0) throw new InvalidDataException("Slice step 0.");
        long Clamp(long v, long lo, long hi) => Math.Min(Math.Max(v < 0 ? v + size : v, lo), hi);
        long first = step > 0 ? Clamp(start, 0, size) : Clamp(start, -1, size - 1);
        long last = step > 0 ? Clamp(end, 0, size) : Clamp(end, -1, size - 1);
        long count = step > 0 ? Math.Max(0, (last - first + step - 1) / step) : Math.Max(0, (first - last - step - 1) / -step);
        return (first, count, step);
    }

    internal static long[] SliceShape(NodeProto node, long[] x, NodeInputs inputs)
    {
        var (starts, ends, axes, steps) = SliceParameters(node, inputs);
        if (starts is null || ends is null) throw new InvalidDataException("Slice starts or ends unknown.");
        var result = (long[])x.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = Axis(axes[i], x.Length);
            result[axis] = SliceRange(starts[i], ends[i], steps[i], x[axis]).Count;
        }
        return result;
    }

    internal static long[] BroadcastShapes(IReadOnlyList<long[]> shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var result = new long[rank];
        for (int d = 0; d < rank; d++)
            result[d] = shapes.Select(s => d - (rank - s.Length) is var k && k >= 0 ? s[k] : 1).Max();
        return result;
    }

    private static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    /// <summary>numpy matmul: [..., M, K] x [..., K, N] -> [..., M, N], batch dims broadcast.</summary>
    internal static long[] MatMulShape(long[] a, long[] b)
    {
        if (a.Length < 2 || b.Length < 2) throw new InvalidDataException("MatMul of vectors is not tracked.");
        var batch = BroadcastShapes(new[] { a[..^2], b[..^2] });
        return batch.Append(a[^2]).Append(b[^1]).ToArray();
    }
}
