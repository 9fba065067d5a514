using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>What one op type does to channels: how its outputs' layouts follow from its inputs' (and which
/// spaces it couples or blocks), and how its weights and attributes are sliced once channels are removed.</summary>
internal interface IChannelRule
{
    void Propagate(NodeProto node, DependencyGraph.Builder graph);

    void Apply(NodeProto node, SliceContext slice);
}

/// <summary>The table of channel rules by op type. An op missing here blocks every channel it consumes.</summary>
internal static class ChannelRules
{
    private static readonly IChannelRule Unknown = new UnknownOpRule();
    private static readonly IChannelRule PassThrough = new PassThroughRule();
    private static readonly IChannelRule Elementwise = new ElementwiseRule();

    private static readonly Dictionary<string, IChannelRule> Table = new()
    {
        ["Conv"] = new ConvRule(transposed: false),
        ["ConvTranspose"] = new ConvRule(transposed: true),
        ["BatchNormalization"] = new BatchNormRule(),
        ["Concat"] = new ConcatRule(),
        ["Split"] = new SplitRule(),
        ["Slice"] = new SliceRule(),
        ["Resize"] = new ResizeRule(),
        ["Add"] = Elementwise, ["Sub"] = Elementwise, ["Mul"] = Elementwise, ["Div"] = Elementwise,
        ["Max"] = Elementwise, ["Min"] = Elementwise, ["Sum"] = Elementwise,
        // Unary element-wise ops and pooling keep every channel where it is.
        ["Sigmoid"] = PassThrough, ["Relu"] = PassThrough, ["LeakyRelu"] = PassThrough, ["Tanh"] = PassThrough,
        ["HardSigmoid"] = PassThrough, ["HardSwish"] = PassThrough, ["Elu"] = PassThrough, ["Selu"] = PassThrough,
        ["Softplus"] = PassThrough, ["Mish"] = PassThrough, ["Abs"] = PassThrough, ["Neg"] = PassThrough,
        ["Sqrt"] = PassThrough, ["Exp"] = PassThrough, ["Log"] = PassThrough, ["Identity"] = PassThrough,
        ["Dropout"] = PassThrough, ["Clip"] = PassThrough,
        ["MaxPool"] = PassThrough, ["AveragePool"] = PassThrough, ["LpPool"] = PassThrough,
        ["GlobalAveragePool"] = PassThrough, ["GlobalMaxPool"] = PassThrough, ["Upsample"] = PassThrough,
        // A per-image-shape Detect head reads its levels' heights and widths: any channel count will do.
        ["Shape"] = new ShapeReadRule(), ["Size"] = new ShapeReadRule(),
    };

    public static IChannelRule For(string opType) => Table.GetValueOrDefault(opType, Unknown);

    /// <summary>Is this the channel axis of a 4-D NCHW tensor?</summary>
    public static bool IsChannelAxis(long axis) => axis is 1 or -3;
}

/// <summary>The safe default: an op we do not understand may mix channels in any way, so nothing it
/// reads can be pruned, and its outputs carry no layout.</summary>
internal sealed class UnknownOpRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        foreach (var input in node.Input)
            graph.Block(graph.Layout(input), $"consumed by {node.OpType} node '{node.Name}', which pruning does not know");
    }

    public void Apply(NodeProto node, SliceContext slice) { }
}

/// <summary>Ops that read only their input's shape (Shape, Size): pruning its channels changes nothing they are used for
/// here (the spatial sizes a dynamic Detect grid needs), and their integer outputs carry no channels.</summary>
internal sealed class ShapeReadRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph) { }

    public void Apply(NodeProto node, SliceContext slice) { }
}

/// <summary>Ops whose first input's channels reach the output unchanged (activations, pooling).
/// Inputs after the first (Clip's bounds) are scalars.</summary>
internal sealed class PassThroughRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        var layout = graph.Layout(node.Input[0]);
        if (layout is null) return;
        for (int i = 1; i < node.Input.Count; i++)
            if (graph.Layout(node.Input[i]) is { } other)
                graph.Block(other, $"read as a parameter by {node.OpType} node '{node.Name}'");
        graph.AddMember(node, MemberRole.Carrier, node.Input[0], layout);
        foreach (var output in node.Output) graph.SetLayout(output, layout);
    }

    public void Apply(NodeProto node, SliceContext slice) { }
}

/// <summary>Resize passes channels through; a constant 'sizes' input names the channel count and is updated.</summary>
internal sealed class ResizeRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        var layout = graph.Layout(node.Input[0]);
        if (layout is null) return;
        if (node.Input.Count > 3 && node.Input[3].Length > 0 && !graph.IsPrivateInitializer(node.Input[3]))
        {
            graph.Block(layout, $"Resize node '{node.Name}' takes its sizes from a computed or shared tensor");
            return;
        }
        graph.AddMember(node, MemberRole.Carrier, node.Input[0], layout);
        graph.SetLayout(node.Output[0], layout);
    }

    public void Apply(NodeProto node, SliceContext slice)
    {
        if (node.Input.Count <= 3 || node.Input[3].Length == 0) return;
        var kept = slice.Kept(node.Input[0]);
        if (kept is null) return;
        var sizes = slice.Int64(node.Input[3]);
        sizes[1] = kept.Length;
        slice.ReplaceInt64(node.Input[3], sizes);
    }
}

/// <summary>Add, Mul (SiLU's x * sigmoid(x)), Sub, Div, Max, Min, Sum: operands with channels are coupled
/// one to one (a residual Add makes both branches one group). A scalar constant passes; a per-channel
/// constant ([C,1,1] or [1,C,1,1]) is sliced with the channels.</summary>
internal sealed class ElementwiseRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        ChannelRef[]? first = null;
        foreach (var input in node.Input)
        {
            if (graph.Layout(input) is not { } layout) continue;
            if (first is null) first = layout;
            else graph.Unify(first, layout, node);
        }
        if (first is null) return;
        foreach (var input in node.Input)
        {
            if (graph.Layout(input) is not null) continue;
            var constant = graph.Constant(input);
            if (constant is not null && OnnxTensors.ElementCount(constant) == 1) continue;
            if (constant is not null && PerChannelLength(constant) == first.Length && graph.IsPrivateInitializer(input)) continue;
            graph.Block(first, $"{node.OpType} node '{node.Name}' broadcasts '{input}', whose channel layout is unknown");
        }
        graph.AddMember(node, MemberRole.Carrier, node.Input.First(i => graph.Layout(i) is not null), first);
        graph.SetLayout(node.Output[0], first);
    }

    public void Apply(NodeProto node, SliceContext slice)
    {
        var kept = node.Input.Select(slice.Kept).FirstOrDefault(k => k is not null);
        if (kept is null) return;
        foreach (var input in node.Input)
        {
            if (slice.HasLayout(input) || !slice.IsInitializer(input)) continue;
            var (data, dims) = slice.Float(input);
            if (data.Length == 1) continue;
            int axis = dims.Length - 3; // [C,1,1] or [1,C,1,1]: channels sit third from the right
            slice.ReplaceFloat(input, TensorSlicing.Slice(data, dims, axis, kept, out var newDims), newDims);
        }
    }

    /// <summary>C for a [C,1,1] or [1,C,1,1] tensor, else -1.</summary>
    private static long PerChannelLength(TensorProto t)
    {
        var d = t.Dims;
        if (d.Count == 3 && d[1] == 1 && d[2] == 1) return d[0];
        if (d.Count == 4 && d[0] == 1 && d[2] == 1 && d[3] == 1) return d[1];
        return -1;
    }
}

/// <summary>Concat along channels lays its inputs' channels one after another.</summary>
internal sealed class ConcatRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        var layouts = node.Input.Select(graph.Layout).ToArray();
        if (layouts.All(l => l is null)) return;
        long axis = OnnxNodes.GetInt(node, "axis", 0);
        if (!ChannelRules.IsChannelAxis(axis) || layouts.Any(l => l is null))
        {
            foreach (var l in layouts)
                graph.Block(l, $"Concat node '{node.Name}' joins along axis {axis} or joins tensors of unknown layout");
            return;
        }
        var joined = layouts.SelectMany(l => l!).ToArray();
        graph.AddMember(node, MemberRole.Carrier, node.Output[0], joined);
        graph.SetLayout(node.Output[0], joined);
    }

    public void Apply(NodeProto node, SliceContext slice) { }
}

/// <summary>Split along channels gives each output a slice of the input's layout; the split sizes are rewritten.</summary>
internal sealed class SplitRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        var layout = graph.Layout(node.Input[0]);
        if (layout is null) return;
        long axis = OnnxNodes.GetInt(node, "axis", 0);
        var sizes = ChannelRules.IsChannelAxis(axis) ? Sizes(node, graph, layout.Length) : null;
        if (sizes is null)
        {
            graph.Block(layout, $"Split node '{node.Name}' splits along axis {axis} or by sizes it computes");
            return;
        }
        graph.AddMember(node, MemberRole.Carrier, node.Input[0], layout);
        int offset = 0;
        for (int i = 0; i < node.Output.Count; i++)
        {
            graph.SetLayout(node.Output[i], layout[offset..(offset + (int)sizes[i])]);
            offset += (int)sizes[i];
        }
    }

    private static long[]? Sizes(NodeProto node, DependencyGraph.Builder graph, int channels)
    {
        if (node.Input.Count > 1 && node.Input[1].Length > 0)
            return graph.IsPrivateInitializer(node.Input[1]) ? OnnxTensors.ToInt64Array(graph.Constant(node.Input[1])!) : null;
        if (OnnxNodes.Attribute(node, "split") is { } attr) return attr.Ints.ToArray();
        int n = node.Output.Count;
        return channels % n == 0 ? Enumerable.Repeat((long)(channels / n), n).ToArray() : null;
    }

    public void Apply(NodeProto node, SliceContext slice)
    {
        if (slice.Kept(node.Input[0]) is null) return;
        var sizes = node.Output.Select(o => (long)slice.KeptCount(o)).ToArray();
        if (node.Input.Count > 1 && node.Input[1].Length > 0)
            slice.ReplaceInt64(node.Input[1], sizes);
        else if (OnnxNodes.Attribute(node, "split") is { } attr)
        {
            attr.Ints.Clear();
            attr.Ints.AddRange(sizes);
        }
        else if (sizes.Distinct().Count() > 1)
        {
            node.Attribute.Remove(OnnxNodes.Attribute(node, "num_outputs")!);
            var initializer = node.Name + ".split";
            slice.AddInt64(initializer, sizes);
            while (node.Input.Count < 2) node.Input.Add("");
            node.Input[1] = initializer;
        }
    }
}

/// <summary>Slice along spatial axes passes channels through (Focus); slicing channels blocks them.</summary>
internal sealed class SliceRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        var layout = graph.Layout(node.Input[0]);
        if (layout is null) return;
        var axes = node.Input.Count > 3 && node.Input[3].Length > 0 && graph.Constant(node.Input[3]) is { } t
            ? OnnxTensors.ToInt64Array(t) : null;
        if (axes is null || axes.Any(ChannelRules.IsChannelAxis))
        {
            graph.Block(layout, $"Slice node '{node.Name}' may slice the channel axis");
            return;
        }
        graph.AddMember(node, MemberRole.Carrier, node.Input[0], layout);
        graph.SetLayout(node.Output[0], layout);
    }

    public void Apply(NodeProto node, SliceContext slice) { }
}

/// <summary>BatchNormalization normalises each channel with its own four parameters.</summary>
internal sealed class BatchNormRule : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        var layout = graph.Layout(node.Input[0]);
        if (layout is null) return;
        if (!Enumerable.Range(1, 4).All(i => graph.IsPrivateInitializer(node.Input[i])))
        {
            graph.Block(layout, $"BatchNormalization node '{node.Name}' has computed or shared parameters");
            return;
        }
        graph.AddMember(node, MemberRole.BatchNorm, node.Input[0], layout);
        graph.SetLayout(node.Output[0], layout);
    }

    public void Apply(NodeProto node, SliceContext slice)
    {
        var kept = slice.Kept(node.Input[0]);
        if (kept is null) return;
        for (int i = 1; i <= 4; i++)
        {
            var (data, dims) = slice.Float(node.Input[i]);
            slice.ReplaceFloat(node.Input[i], TensorSlicing.Slice(data, dims, 0, kept, out var newDims), newDims);
        }
    }
}
