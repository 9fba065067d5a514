using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>Conv and ConvTranspose. With groups 1 the output channels form a new space and the input
/// channels are consumed (their weight slices go with them; what they contributed is the recover
/// stage's to rebuild). A depthwise conv (one input channel a group) couples each input
/// channel with its output channel(s): the output layout repeats the input's, multiplier times.
/// Other grouped convs are blocked. Weight layouts: Conv [Cout, Cin/g, kh, kw];
/// ConvTranspose [Cin, Cout/g, kh, kw].</summary>
internal sealed class ConvRule(bool transposed) : IChannelRule
{
    public void Propagate(NodeProto node, DependencyGraph.Builder graph)
    {
        var input = graph.Layout(node.Input[0]);
        var output = node.Output[0];
        var weight = graph.Index.Initializer(node.Input[1]);
        bool privateParams = graph.IsPrivateInitializer(node.Input[1])
            && (node.Input.Count < 3 || node.Input[2].Length == 0 || graph.IsPrivateInitializer(node.Input[2]));
        if (weight is null || !privateParams || weight.Dims.Count < 3)
        {
            graph.Block(input, $"{node.OpType} node '{node.Name}' has computed or shared weights");
            return;
        }
        long groups = OnnxNodes.GetInt(node, "group", 1);
        int cin = (int)(transposed ? weight.Dims[0] : weight.Dims[1] * groups);
        int cout = (int)(transposed ? weight.Dims[1] * groups : weight.Dims[0]);
        if (groups == 1)
        {
            var created = graph.NewSpace(cout, node.Name);
            graph.AddMember(node, MemberRole.ConvOutput, output, created);
            graph.SetLayout(output, created);
            if (input is not null) graph.AddMember(node, MemberRole.ConvInput, node.Input[0], input);
            return;
        }
        int multiplier = cout / cin;
        bool depthwise = groups == cin && cout % cin == 0 && (!transposed || multiplier == 1);
        if (!depthwise || input is null)
        {
            graph.Block(input, $"{node.OpType} node '{node.Name}' is grouped (groups={groups}) but not depthwise");
            var fixedOutput = graph.NewSpace(cout, node.Name);
            graph.Block(fixedOutput, $"{node.OpType} node '{node.Name}' is grouped (groups={groups}) but not depthwise");
            graph.SetLayout(output, fixedOutput);
            return;
        }
        var repeated = new ChannelRef[cout];
        for (int k = 0; k < cout; k++) repeated[k] = input[k / multiplier];
        graph.AddMember(node, MemberRole.Depthwise, output, repeated);
        graph.SetLayout(output, repeated);
    }

    public void Apply(NodeProto node, SliceContext slice)
    {
        if (slice.Dependencies.Layout(node.Output[0]) is null) return; // blocked at build: untouched
        var x = node.Input[0];
        var keptIn = slice.Kept(x);
        var keptOut = slice.Kept(node.Output[0]);
        long groups = OnnxNodes.GetInt(node, "group", 1);
        var (weight, dims) = slice.Float(node.Input[1]);
        string? biasName = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;

        if (groups == 1)
        {
            int inAxis = transposed ? 0 : 1, outAxis = transposed ? 1 : 0;
            if (keptIn is not null) weight = TensorSlicing.Slice(weight, dims, inAxis, keptIn, out dims);
            if (keptOut is not null) weight = TensorSlicing.Slice(weight, dims, outAxis, keptOut, out dims);
        }
        else
        {
            if (keptOut is not null) weight = TensorSlicing.Slice(weight, dims, 0, keptOut, out dims);
            OnnxNodes.Attribute(node, "group")!.I = slice.KeptCount(x);
        }
        slice.ReplaceFloat(node.Input[1], weight, dims);
        if (biasName is null) return;
        var bias = slice.Float(biasName).Data;
        if (keptOut is not null) bias = TensorSlicing.Slice(bias, [bias.Length], 0, keptOut, out _);
        slice.ReplaceFloat(biasName, bias, [bias.Length]);
    }
}
