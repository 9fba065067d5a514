using YoloCompress.Core.Calibration;
using Onnx;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Core.Recovery;

/// <summary>Gives every conv that read a pruned tensor back what its removed input channels contributed,
/// computed from the unpruned conv's weights: either each removed channel's least-squares estimate from the
/// kept ones (<see cref="ChannelCovariance.Reconstruct"/>), or its mean alone, folded into the bias. The pruned
/// graph has the same nodes in the same order as the unpruned one (slicing removes channels, never nodes), so
/// node i of one is node i of the other.</summary>
internal static class RemovedChannelCompensation
{
    /// <param name="means">Per-channel means of a tensor in the unpruned model; null when not collected.</param>
    /// <param name="covariance">Channel covariances of a tensor a conv reads; null (or null for a tensor) for mean folding.</param>
    public static void Apply(ModelProto original, ModelProto pruned, IReadOnlyDictionary<string, int[]> keptPositions,
        Func<string, double[]?> means, Func<string, ChannelCovariance?>? covariance)
    {
        var source = new GraphIndex(original.Graph);
        var target = new InitializerSet(pruned.Graph);
        var reconstructions = new Dictionary<string, ChannelReconstruction?>(StringComparer.Ordinal);
        for (int i = 0; i < pruned.Graph.Node.Count; i++)
        {
            var node = pruned.Graph.Node[i];
            if (node.OpType is not ("Conv" or "ConvTranspose") || OnnxNodes.GetInt(node, "group", 1) != 1) continue;
            if (!keptPositions.TryGetValue(node.Input[0], out var keptIn)) continue;
            bool transposed = node.OpType == "ConvTranspose";
            var unpruned = original.Graph.Node[i];
            if (source.Initializer(unpruned.Input[1]) is not { } weightTensor) continue;
            var weight = OnnxTensors.ToFloatArray(weightTensor);
            var dims = weightTensor.Dims.ToArray();
            int inAxis = transposed ? 0 : 1, outAxis = transposed ? 1 : 0;
            if (target.Dims(node.Input[1])[inAxis] != keptIn.Length) continue; // left alone by slicing

            string? biasName = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
            var bias = biasName is null ? new float[dims[outAxis]] : OnnxTensors.ToFloatArray(source.Initializer(unpruned.Input[2])!);
            if (!transposed && Reconstruction(node.Input[0], keptIn) is { } reconstruction)
                ReconstructRemovedInputs(weight, dims, reconstruction, bias);
            else if (means(node.Input[0]) is { } m)
                FoldRemovedInputs(unpruned, transposed, weight, dims, keptIn, m, bias);
            else continue;

            weight = TensorSlicing.Slice(weight, dims, inAxis, keptIn, out dims);
            if (keptPositions.TryGetValue(node.Output[0], out var keptOut))
            {
                weight = TensorSlicing.Slice(weight, dims, outAxis, keptOut, out dims);
                bias = TensorSlicing.Slice(bias, [bias.Length], 0, keptOut, out _);
            }
            target.Replace(OnnxTensors.Float(node.Input[1], dims, weight));
            if (biasName is null)
            {
                biasName = target.NewName(BiasNameFor(node.Input[1]));
                while (node.Input.Count < 3) node.Input.Add("");
                node.Input[2] = biasName;
                target.Add(OnnxTensors.Float(biasName, [bias.Length], bias));
            }
            else target.Replace(OnnxTensors.Float(biasName, [bias.Length], bias));
        }

        // Once per tensor however many convs read it.
        ChannelReconstruction? Reconstruction(string tensor, int[] kept)
        {
            if (reconstructions.TryGetValue(tensor, out var cached)) return cached;
            return reconstructions[tensor] = covariance?.Invoke(tensor)?.Reconstruct(kept);
        }
    }

    /// <summary>Replaces each removed input channel r by its least-squares estimate from the kept ones,
    /// x_r ~ b_r + sum_k A[r,k] x_k: W[o,k,tap] += W[o,r,tap] A[r,k] at every kernel tap, and the bias takes
    /// sum_tap W[o,r,tap] b_r (interior positions, as mean folding).</summary>
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
    private static void FoldRemovedInputs(NodeProto node, bool transposed, float[] weight, long[] dims, int[] keptIn, double[] means, float[] bias)
    {
        var keptSet = new bool[means.Length];
        foreach (var k in keptIn) keptSet[k] = true;
        int spatial = (int)dims.Skip(2).Aggregate(1L, (a, b) => a * b);
        int cout = (int)(transposed ? dims[1] : dims[0]), cin = (int)(transposed ? dims[0] : dims[1]);
        double taps = transposed ? OnnxNodes.GetInts(node, "strides", [1, 1]).Aggregate(1L, (a, b) => a * b) : 1;
        for (int o = 0; o < cout; o++)
        {
            double sum = 0;
            for (int c = 0; c < cin; c++)
            {
                if (keptSet[c] || means[c] == 0) continue;
                int offset = transposed ? (c * cout + o) * spatial : (o * cin + c) * spatial;
                double w = 0;
                for (int k = 0; k < spatial; k++) w += weight[offset + k];
                sum += w * means[c];
            }
            bias[o] += transposed ? (float)(sum / taps) : (float)sum;
        }
    }

    private static string BiasNameFor(string weightName) =>
        weightName.EndsWith(".weight", StringComparison.Ordinal) ? weightName[..^".weight".Length] + ".bias" : weightName + "_bias";

    /// <summary>The pruned graph's initializers by name, replaced in place (their order is part of the file).</summary>
    private sealed class InitializerSet(GraphProto graph)
    {
        private readonly Dictionary<string, int> _positions = graph.Initializer.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i);

        public long[] Dims(string name) => graph.Initializer[_positions[name]].Dims.ToArray();

        public void Replace(TensorProto tensor) => graph.Initializer[_positions[tensor.Name]] = tensor;

        public void Add(TensorProto tensor)
        {
            _positions[tensor.Name] = graph.Initializer.Count;
            graph.Initializer.Add(tensor);
        }

        public string NewName(string name)
        {
            var candidate = name;
            for (int i = 1; _positions.ContainsKey(candidate); i++) candidate = $"{name}_{i}";
            return candidate;
        }
    }
}
