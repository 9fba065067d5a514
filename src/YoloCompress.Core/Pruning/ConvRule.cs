using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>Conv and ConvTranspose. With groups 1 the output channels form a new space and the input
/// channels are consumed (their weight slices go with them, and a removed input channel's mean
/// contribution is folded into the bias). A depthwise conv (one input channel a group) couples each input
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
        float[]? bias = biasName is null ? null : slice.Float(biasName).Data;

        if (groups == 1)
        {
            int inAxis = transposed ? 0 : 1, outAxis = transposed ? 1 : 0;
            if (keptIn is not null && !transposed && slice.Reconstruction(x) is { } reconstruction)
            {
                bias ??= new float[dims[outAxis]];
                ReconstructRemovedInputs(weight, dims, reconstruction, bias);
            }
            else if (keptIn is not null && slice.Means(x) is { } means)
            {
                bias ??= new float[dims[outAxis]];
                FoldRemovedInputs(node, weight, dims, keptIn, means, bias);
            }
            if (keptIn is not null) weight = TensorSlicing.Slice(weight, dims, inAxis, keptIn, out dims);
            if (keptOut is not null) weight = TensorSlicing.Slice(weight, dims, outAxis, keptOut, out dims);
        }
        else
        {
            if (keptOut is not null) weight = TensorSlicing.Slice(weight, dims, 0, keptOut, out dims);
            OnnxNodes.Attribute(node, "group")!.I = slice.KeptCount(x);
        }
        slice.ReplaceFloat(node.Input[1], weight, dims);
        if (bias is null) return;
        if (keptOut is not null) bias = TensorSlicing.Slice(bias, [bias.Length], 0, keptOut, out _);
        if (biasName is null)
        {
            biasName = slice.NewInitializerName(BiasNameFor(node.Input[1]));
            while (node.Input.Count < 3) node.Input.Add("");
            node.Input[2] = biasName;
            slice.AddFloat(biasName, bias, [bias.Length]);
        }
        else slice.ReplaceFloat(biasName, bias, [bias.Length]);
    }

    /// <summary>Replaces each removed input channel r by its least-squares estimate from the kept ones,
    /// x_r ~ b_r + sum_k A[r,k] x_k (<see cref="ChannelCovariance.Reconstruct"/>): W[o,k,tap] += W[o,r,tap] A[r,k]
    /// at every kernel tap, and the bias takes sum_tap W[o,r,tap] b_r (interior positions, as mean folding).</summary>
    private static void ReconstructRemovedInputs(float[] weight, long[] dims, ChannelReconstruction reconstruction, float[] bias)
    {
        var (keptIn, removed, a, b) = reconstruction;
        int cout = (int)dims[0], cin = (int)dims[1];
        int spatial = (int)dims.Skip(2).Aggregate(1L, (x, y) => x * y);
        var added = new double[keptIn.Length];
        for (int o = 0; o < cout; o++)
            for (int tap = 0; tap < spatial; tap++)
            {
                Array.Clear(added);
                double constant = 0;
                for (int ri = 0; ri < removed.Length; ri++)
                {
                    double w = weight[(o * cin + removed[ri]) * spatial + tap];
                    if (w == 0) continue;
                    constant += w * b[ri];
                    for (int k = 0; k < keptIn.Length; k++) added[k] += w * a[ri, k];
                }
                for (int k = 0; k < keptIn.Length; k++) weight[(o * cin + keptIn[k]) * spatial + tap] += (float)added[k];
                bias[o] += (float)constant;
            }
    }

    /// <summary>A removed input channel c that carried the constant m_c added sum_k W[o,c,k] * m_c to every
    /// output o (at interior positions); adding that to the bias keeps the output's expectation. For a
    /// ConvTranspose each output position receives kernel/stride taps, so the per-position average is
    /// sum_k W[c,o,k] * m_c / (stride_h * stride_w).</summary>
    private void FoldRemovedInputs(NodeProto node, float[] weight, long[] dims, int[] keptIn, double[] means, float[] bias)
    {
        var keptSet = new bool[means.Length];
        foreach (var k in keptIn) keptSet[k] = true;
        int spatial = (int)(dims.Skip(2).Aggregate(1L, (a, b) => a * b));
        if (!transposed)
        {
            int cout = (int)dims[0], cin = (int)dims[1];
            for (int o = 0; o < cout; o++)
            {
                double sum = 0;
                for (int c = 0; c < cin; c++)
                {
                    if (keptSet[c] || means[c] == 0) continue;
                    int offset = (o * cin + c) * spatial;
                    double w = 0;
                    for (int k = 0; k < spatial; k++) w += weight[offset + k];
                    sum += w * means[c];
                }
                bias[o] += (float)sum;
            }
        }
        else
        {
            int cin = (int)dims[0], cout = (int)dims[1];
            var strides = OnnxNodes.GetInts(node, "strides", [1, 1]);
            double taps = strides.Aggregate(1L, (a, b) => a * b);
            for (int o = 0; o < cout; o++)
            {
                double sum = 0;
                for (int c = 0; c < cin; c++)
                {
                    if (keptSet[c] || means[c] == 0) continue;
                    int offset = (c * cout + o) * spatial;
                    double w = 0;
                    for (int k = 0; k < spatial; k++) w += weight[offset + k];
                    sum += w * means[c];
                }
                bias[o] += (float)(sum / taps);
            }
        }
    }

    private static string BiasNameFor(string weightName) =>
        weightName.EndsWith(".weight", StringComparison.Ordinal) ? weightName[..^".weight".Length] + ".bias" : weightName + "_bias";
}
