using Onnx;
using TorchSharp;
using YoloCompress.Core.OnnxModel;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace YoloCompress.Torch.Training;

/// <summary>The ONNX operators a YOLOv5 graph uses (the working graph, the folded one, and the reference
/// exporter's), each as torch calls with ONNX's semantics, so that autograd runs through them. Shape-like
/// inputs (Reshape's shape, Slice's starts, ...) are read from int64 tensors; float data stays on torch.</summary>
internal static class OnnxOps
{
    public delegate Tensor[] Op(NodeProto node, Tensor?[] inputs, GraphModule module);

    public static IReadOnlyDictionary<string, Op> All { get; } = new Dictionary<string, Op>(StringComparer.Ordinal)
    {
        ["Conv"] = (n, x, m) => [Conv(n, x[0]!, m.Weight(n, x[1]!), x.Length > 2 ? x[2] : null)],
        ["ConvTranspose"] = (n, x, m) => [ConvTranspose(n, x[0]!, m.Weight(n, x[1]!), x.Length > 2 ? x[2] : null)],
        ["BatchNormalization"] = (n, x, m) => [F.batch_norm(x[0]!, x[3]!, x[4]!, x[1], x[2], m.Training && m.TrainBatchNormStatistics,
            1 - OnnxNodes.GetFloat(n, "momentum", 0.9f), OnnxNodes.GetFloat(n, "epsilon", 1e-5f))],
        ["Sigmoid"] = (_, x, _) => [sigmoid(x[0]!)],
        ["Relu"] = (_, x, _) => [F.relu(x[0]!)],
        ["LeakyRelu"] = (n, x, _) => [F.leaky_relu(x[0]!, OnnxNodes.GetFloat(n, "alpha", 0.01f))],
        ["HardSigmoid"] = (n, x, _) => [clamp(x[0]! * OnnxNodes.GetFloat(n, "alpha", 0.2f) + OnnxNodes.GetFloat(n, "beta", 0.5f), 0, 1)],
        ["HardSwish"] = (_, x, _) => [F.hardswish(x[0]!)],
        ["Add"] = (_, x, _) => [x[0]! + x[1]!],
        ["Sub"] = (_, x, _) => [x[0]! - x[1]!],
        ["Mul"] = (_, x, _) => [x[0]! * x[1]!],
        ["Div"] = (_, x, _) => [x[0]! / x[1]!],
        ["Pow"] = (_, x, _) => [Pow(x[0]!, x[1]!)],
        ["Identity"] = (_, x, _) => [x[0]!.alias()],
        ["Cast"] = (n, x, _) => [Cast(n, x[0]!)],
        ["Concat"] = (n, x, _) => [cat(x.Select(t => t!).ToArray(), OnnxNodes.GetInt(n, "axis", 0))],
        ["Split"] = Split,
        ["Reshape"] = (_, x, _) => [Reshape(x[0]!, Longs(x[1]!))],
        ["Transpose"] = (n, x, _) => [x[0]!.permute(OnnxNodes.GetInts(n, "perm", Enumerable.Range(0, (int)x[0]!.dim()).Reverse().Select(i => (long)i).ToArray()))],
        ["Flatten"] = (n, x, _) => [Flatten(n, x[0]!)],
        ["Unsqueeze"] = (n, x, _) => [Unsqueeze(x[0]!, x.Length > 1 && x[1] is not null ? Longs(x[1]!) : OnnxNodes.GetInts(n, "axes", []))],
        ["Squeeze"] = (n, x, _) => [Squeeze(x[0]!, x.Length > 1 && x[1] is not null ? Longs(x[1]!) : OnnxNodes.GetInts(n, "axes", []))],
        ["Shape"] = (_, x, _) => [tensor(x[0]!.shape)],
        ["Gather"] = (n, x, _) => [Gather(n, x[0]!, x[1]!)],
        ["Slice"] = Slice,
        ["MaxPool"] = (n, x, _) => [MaxPool(n, x[0]!)],
        ["Resize"] = (n, x, _) => [Resize(n, x)],
        ["Upsample"] = (n, x, _) => [Resize(n, [x[0], null, x[1]])],
    };

    public static long[] Longs(Tensor t) => t.to_type(ScalarType.Int64).data<long>().ToArray();

    private static Tensor Conv(NodeProto n, Tensor x, Tensor w, Tensor? b)
    {
        int spatial = (int)w.dim() - 2;
        var (input, padding) = Pad(n, x, spatial);
        var strides = OnnxNodes.GetInts(n, "strides", Ones(spatial));
        var dilations = OnnxNodes.GetInts(n, "dilations", Ones(spatial));
        long groups = OnnxNodes.GetInt(n, "group", 1);
        return spatial switch
        {
            2 => F.conv2d(input, w, b, strides, padding, dilations, groups),
            1 => F.conv1d(input, w, b, strides[0], padding[0], dilations[0], groups),
            _ => throw Unsupported(n, $"{spatial}-d convolution"),
        };
    }

    private static Tensor ConvTranspose(NodeProto n, Tensor x, Tensor w, Tensor? b)
    {
        if (w.dim() != 4) throw Unsupported(n, "a ConvTranspose that is not 2-d");
        var pads = OnnxNodes.GetInts(n, "pads", [0, 0, 0, 0]);
        if (pads[0] != pads[2] || pads[1] != pads[3]) throw Unsupported(n, "asymmetric ConvTranspose pads");
        return F.conv_transpose2d(x, w, b, OnnxNodes.GetInts(n, "strides", [1, 1]), [pads[0], pads[1]],
            OnnxNodes.GetInts(n, "output_padding", [0, 0]), OnnxNodes.GetInts(n, "dilations", [1, 1]), OnnxNodes.GetInt(n, "group", 1));
    }

    /// <summary>ONNX pads are [begin..., end...]; torch pads symmetrically, so uneven pads go through an explicit pad.</summary>
    private static (Tensor Input, long[] Padding) Pad(NodeProto n, Tensor x, int spatial, double value = 0)
    {
        if (OnnxNodes.Attribute(n, "auto_pad") is { } auto && auto.S.ToStringUtf8() is not ("NOTSET" or ""))
            throw Unsupported(n, $"auto_pad {auto.S.ToStringUtf8()}");
        var pads = OnnxNodes.GetInts(n, "pads", new long[2 * spatial]);
        var begin = pads[..spatial];
        var end = pads[spatial..];
        if (begin.SequenceEqual(end)) return (x, begin);
        var torchPads = new long[2 * spatial]; // last dimension first, (begin, end) pairs
        for (int d = 0; d < spatial; d++)
        {
            torchPads[2 * d] = begin[spatial - 1 - d];
            torchPads[2 * d + 1] = end[spatial - 1 - d];
        }
        return (F.pad(x, torchPads, PaddingModes.Constant, value), new long[spatial]);
    }

    private static Tensor MaxPool(NodeProto n, Tensor x)
    {
        var kernel = OnnxNodes.GetInts(n, "kernel_shape", []);
        if (kernel.Length != 2) throw Unsupported(n, "a MaxPool that is not 2-d");
        var (input, padding) = Pad(n, x, 2, double.NegativeInfinity);
        return F.max_pool2d(input, kernel, OnnxNodes.GetInts(n, "strides", [1, 1]), padding,
            OnnxNodes.GetInts(n, "dilations", [1, 1]), OnnxNodes.GetInt(n, "ceil_mode", 0) != 0);
    }

    /// <summary>Nearest-neighbour resize by scales or sizes, with the asymmetric/floor rounding (torch's 'nearest').</summary>
    private static Tensor Resize(NodeProto n, Tensor?[] x)
    {
        var mode = OnnxNodes.Attribute(n, "mode")?.S.ToStringUtf8() ?? "nearest";
        var transform = OnnxNodes.Attribute(n, "coordinate_transformation_mode")?.S.ToStringUtf8() ?? "half_pixel";
        var nearest = OnnxNodes.Attribute(n, "nearest_mode")?.S.ToStringUtf8() ?? "round_prefer_floor";
        var input = x[0]!;
        long[] size;
        if (x.Length > 3 && x[3] is { } sizes && sizes.numel() > 0) size = Longs(sizes)[2..];
        else
        {
            var scales = x[2]!.data<float>().ToArray();
            size = [(long)Math.Floor(input.shape[2] * scales[2]), (long)Math.Floor(input.shape[3] * scales[3])];
        }
        bool integerScale = size[0] % input.shape[2] == 0 && size[1] % input.shape[3] == 0;
        if (mode != "nearest") throw Unsupported(n, $"Resize mode '{mode}'");
        // asymmetric/floor is torch's nearest (source = floor(dst / scale)); at an integer upscale half_pixel with a
        // round mode picks the same source pixel (k - 0.5 + 0.5/s .. k + 0.5 - 0.5/s rounds to k).
        bool halfPixelRound = transform is "half_pixel" or "pytorch_half_pixel" && nearest.StartsWith("round", StringComparison.Ordinal);
        if (!(transform == "asymmetric" && nearest == "floor") && !(integerScale && halfPixelRound))
            throw Unsupported(n, $"Resize with coordinate_transformation_mode '{transform}' and nearest_mode '{nearest}' at a non-integer scale");
        return F.interpolate(input, size, mode: InterpolationMode.Nearest);
    }

    private static Tensor[] Split(NodeProto n, Tensor?[] x, GraphModule _)
    {
        var input = x[0]!;
        long axis = OnnxNodes.GetInt(n, "axis", 0);
        if (axis < 0) axis += input.dim();
        long[] sizes = x.Length > 1 && x[1] is not null ? Longs(x[1]!) : OnnxNodes.GetInts(n, "split", []);
        if (sizes.Length == 0)
        {
            long each = input.shape[axis] / n.Output.Count;
            sizes = Enumerable.Repeat(each, n.Output.Count).ToArray();
        }
        return input.split(sizes, axis);
    }

    private static Tensor[] Slice(NodeProto n, Tensor?[] x, GraphModule _)
    {
        var input = x[0]!;
        var starts = Longs(x[1]!);
        var ends = Longs(x[2]!);
        var axes = x.Length > 3 && x[3] is not null ? Longs(x[3]!) : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        var steps = x.Length > 4 && x[4] is not null ? Longs(x[4]!) : Ones(starts.Length);
        var y = input;
        for (int i = 0; i < starts.Length; i++)
        {
            long axis = axes[i] < 0 ? axes[i] + input.dim() : axes[i];
            long dim = input.shape[axis];
            if (steps[i] <= 0) throw Unsupported(n, "a Slice with a negative step");
            long start = Math.Clamp(starts[i] < 0 ? starts[i] + dim : starts[i], 0, dim);
            long end = Math.Clamp(ends[i] < 0 ? ends[i] + dim : ends[i], 0, dim);
            y = y.slice(axis, start, Math.Max(start, end), steps[i]);
        }
        return [y];
    }

    private static Tensor Reshape(Tensor x, long[] shape)
    {
        var target = (long[])shape.Clone();
        for (int i = 0; i < target.Length; i++)
            if (target[i] == 0) target[i] = x.shape[i];
        return x.reshape(target);
    }

    private static Tensor Flatten(NodeProto n, Tensor x)
    {
        long axis = OnnxNodes.GetInt(n, "axis", 1);
        if (axis < 0) axis += x.dim();
        long outer = x.shape[..(int)axis].Aggregate(1L, (a, b) => a * b);
        return x.reshape(outer, -1);
    }

    private static Tensor Unsqueeze(Tensor x, long[] axes)
    {
        long rank = x.dim() + axes.Length;
        foreach (var a in axes.Select(a => a < 0 ? a + rank : a).Order()) x = x.unsqueeze(a);
        return x;
    }

    private static Tensor Squeeze(Tensor x, long[] axes)
    {
        if (axes.Length == 0) return x.squeeze();
        foreach (var a in axes.Select(a => a < 0 ? a + x.dim() : a).OrderDescending()) x = x.squeeze(a);
        return x;
    }

    private static Tensor Gather(NodeProto n, Tensor x, Tensor indices)
    {
        long axis = OnnxNodes.GetInt(n, "axis", 0);
        if (axis < 0) axis += x.dim();
        var idx = indices.to_type(ScalarType.Int64);
        idx = where(idx < 0, idx + x.shape[axis], idx);
        var flat = x.index_select(axis, idx.flatten());
        var shape = x.shape[..(int)axis].Concat(indices.shape).Concat(x.shape[((int)axis + 1)..]).ToArray();
        return flat.reshape(shape);
    }

    /// <summary>x ** 2, the only exponent YOLO's decode uses, as a product (exact and cheaper); any other through pow.</summary>
    private static Tensor Pow(Tensor x, Tensor e) =>
        e.numel() == 1 && e.to_type(ScalarType.Float32).item<float>() == 2f ? x * x : pow(x, e);

    private static Tensor Cast(NodeProto n, Tensor x) => (TensorProto.Types.DataType)OnnxNodes.GetInt(n, "to", 1) switch
    {
        TensorProto.Types.DataType.Float => x.to_type(ScalarType.Float32),
        TensorProto.Types.DataType.Int64 => x.to_type(ScalarType.Int64),
        TensorProto.Types.DataType.Int32 => x.to_type(ScalarType.Int32),
        TensorProto.Types.DataType.Bool => x.to_type(ScalarType.Bool),
        var t => throw Unsupported(n, $"Cast to {t}"),
    };

    private static long[] Ones(int count) => Enumerable.Repeat(1L, count).ToArray();

    internal static NotSupportedException Unsupported(NodeProto n, string what) =>
        new($"Node '{n.Name}' ({n.OpType}) cannot be trained: {what} is not supported by the torch executor.");
}
