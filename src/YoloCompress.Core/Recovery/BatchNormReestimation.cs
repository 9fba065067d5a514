using Onnx;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Core.Recovery;

/// <summary>BN re-estimation at data-set level: after pruning, each conv's pre-activation output (its BN's
/// output, or the conv's own output when BN is folded) is given the per-channel mean and variance it had in
/// the unpruned model over the calibration images. The moments are exact sums over all images; the
/// correction is an affine map per channel folded into the BN (gamma, beta) or the conv (weight rows, bias).
/// An unchanged layer measures the same moments, so its correction is exactly the identity.</summary>
internal static class BatchNormReestimation
{
    /// <summary>Largest factor a channel's spread is scaled by either way; a channel that lost most of its
    /// inputs is not blown up to its old spread.</summary>
    private const double MaxScale = 2.0;

    /// <summary>The tensor whose statistics are matched for each conv: its BN's output when its only
    /// consumer is a BatchNormalization, else its own output.</summary>
    public static IEnumerable<string> PreActivationTensors(DependencyGraph graph, bool includeDetectOutputs)
    {
        foreach (var node in graph.Model.Graph.Node)
        {
            if (node.OpType is not ("Conv" or "ConvTranspose")) continue;
            var output = node.Output[0];
            if (graph.Layout(output) is null) continue;
            var consumers = graph.Index.Consumers(output);
            if (consumers.Count == 1 && consumers[0].OpType == "BatchNormalization" && graph.Layout(consumers[0].Output[0]) is not null)
            {
                yield return consumers[0].Output[0];
                continue;
            }
            if (!includeDetectOutputs && consumers.All(c => graph.Layout(c.Output[0]) is null)) continue;
            yield return output;
        }
    }

    /// <summary>Corrects <paramref name="pruned"/> in place, in waves: a layer is measured only once every
    /// matched layer upstream of it has been corrected, so corrections never compound (correcting all layers
    /// from one measurement over-corrects downstream layers for what their inputs already regained). The model
    /// runs once, segment by segment between waves (<see cref="SegmentedForward"/>), over the images: cost one
    /// forward pass per image, not one per wave. Layers no removed channel reaches are skipped.</summary>
    public static void Apply(ModelProto pruned, IReadOnlyList<string> tensors, ChannelStatistics original,
        IReadOnlyDictionary<string, int[]> keptPositions, IReadOnlyList<float[]> images, int threads)
    {
        var (waves, segmentOf) = Plan(pruned.Graph, tensors, keptPositions.Keys.ToHashSet());
        if (waves.Count == 0) return;
        var producers = new GraphIndex(pruned.Graph);
        var waveAfter = waves.ToDictionary(w => segmentOf[producers.Producer(w[0])!]);
        var forward = new SegmentedForward(pruned, waves.SelectMany(w => w).ToArray(), n => segmentOf[n], images, threads);
        for (int s = 0; s < forward.SegmentCount; s++)
        {
            forward.Run(s);
            if (!waveAfter.TryGetValue(s, out var wave)) continue;
            var index = new GraphIndex(pruned.Graph);
            foreach (var tensor in wave)
            {
                var (values, shape) = forward[tensor];
                var now = new ChannelMoments((int)shape[1]);
                foreach (var image in values) now.Add(tensor, image, shape);
                var before = original[tensor]!;
                var kept = keptPositions.GetValueOrDefault(tensor);
                var scale = new double[now.Channels];
                var shift = new double[now.Channels];
                bool identity = true;
                for (int c = 0; c < now.Channels; c++)
                {
                    int p = kept?[c] ?? c;
                    double sdOriginal = Math.Sqrt(before.Variance(p)), sdNow = Math.Sqrt(now.Variance(c));
                    double a = sdNow > 1e-12 && sdOriginal > 1e-12 ? Math.Clamp(sdOriginal / sdNow, 1 / MaxScale, MaxScale) : 1;
                    scale[c] = a;
                    shift[c] = before.Mean(p) - a * now.Mean(c);
                    identity &= a == 1 && shift[c] == 0;
                }
                if (identity) continue;
                Correct(pruned.Graph, index, index.Producer(tensor)!, scale, shift);
                forward.Correct(tensor, scale, shift);
            }
        }
    }

    /// <summary>Matched tensors reached by removed channels, grouped so that each group only depends on
    /// matched tensors of earlier groups; and each node's segment, the matched depth of its inputs (a wave's
    /// tensors are all produced in the segment just before the next wave's).</summary>
    internal static (List<string[]> Waves, Dictionary<NodeProto, int> SegmentOf) Plan(GraphProto graph, IReadOnlyList<string> tensors, IReadOnlySet<string> sliced)
    {
        var matched = tensors.ToHashSet();
        var depth = new Dictionary<string, int>();
        var segmentOf = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        var affected = new HashSet<string>(sliced);
        foreach (var node in graph.Node)
        {
            int d = node.Input.Select(i => depth.GetValueOrDefault(i)).DefaultIfEmpty(0).Max();
            segmentOf[node] = d;
            bool reached = node.Input.Any(affected.Contains);
            foreach (var output in node.Output)
            {
                depth[output] = matched.Contains(output) ? d + 1 : d;
                if (reached) affected.Add(output);
            }
        }
        var waves = tensors.Where(affected.Contains).GroupBy(t => depth[t]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList();
        return (waves, segmentOf);
    }

    /// <summary>Makes the node's output y into scale*y + shift, channel by channel.</summary>
    private static void Correct(GraphProto graph, GraphIndex index, NodeProto node, double[] scale, double[] shift)
    {
        if (node.OpType == "BatchNormalization")
        {
            var gamma = OnnxTensors.ToFloatArray(index.Initializer(node.Input[1])!);
            var beta = OnnxTensors.ToFloatArray(index.Initializer(node.Input[2])!);
            for (int c = 0; c < gamma.Length; c++)
            {
                gamma[c] = (float)(gamma[c] * scale[c]);
                beta[c] = (float)(beta[c] * scale[c] + shift[c]);
            }
            Replace(graph, index, node.Input[1], gamma);
            Replace(graph, index, node.Input[2], beta);
            return;
        }
        var weightInit = index.Initializer(node.Input[1])!;
        var weight = OnnxTensors.ToFloatArray(weightInit);
        var dims = weightInit.Dims.ToArray();
        bool rowsOnAxis1 = node.OpType == "ConvTranspose" && OnnxNodes.GetInt(node, "group", 1) == 1;
        long inner = dims.Skip(2).Aggregate(1L, (a, b) => a * b);
        for (long i = 0; i < dims[0]; i++)
            for (long j = 0; j < dims[1]; j++)
            {
                double s = scale[rowsOnAxis1 ? j : i];
                for (long k = (i * dims[1] + j) * inner; k < (i * dims[1] + j + 1) * inner; k++) weight[k] = (float)(weight[k] * s);
            }
        graph.Initializer[graph.Initializer.IndexOf(weightInit)] = OnnxTensors.Float(weightInit.Name, dims, weight);
        bool hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
        var bias = hasBias ? OnnxTensors.ToFloatArray(index.Initializer(node.Input[2])!) : new float[scale.Length];
        for (int c = 0; c < bias.Length; c++) bias[c] = (float)(bias[c] * scale[c] + shift[c]);
        if (hasBias) Replace(graph, index, node.Input[2], bias);
        else
        {
            var name = node.Input[1].EndsWith(".weight", StringComparison.Ordinal) ? node.Input[1][..^7] + ".bias" : node.Input[1] + "_bias";
            while (index.IsInitializer(name)) name += "_";
            graph.Initializer.Add(OnnxTensors.Float(name, [bias.Length], bias));
            while (node.Input.Count < 3) node.Input.Add("");
            node.Input[2] = name;
        }
    }

    private static void Replace(GraphProto graph, GraphIndex index, string name, float[] values)
    {
        var old = index.Initializer(name)!;
        graph.Initializer[graph.Initializer.IndexOf(old)] = OnnxTensors.Float(name, old.Dims.ToArray(), values);
    }
}
