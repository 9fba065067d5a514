using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>L1 or L2 norm of each channel's producing weights (Conv output rows, depthwise rows), summed
/// over every producer in the group.</summary>
public sealed class MagnitudeImportance(int norm) : ChannelImportance
{
    public override string Name => norm == 1 ? "l1" : "l2";

    public override double[] Score(PruningGroup group, ImportanceContext context)
    {
        var scores = new double[group.Size];
        var index = context.Graph.Index;
        foreach (var m in group.Members)
        {
            if (m.Role is not (MemberRole.ConvOutput or MemberRole.Depthwise)) continue;
            var node = index.Producer(m.Tensor)!;
            var weight = index.Initializer(node.Input[1])!;
            var w = OnnxTensors.ToFloatArray(weight);
            // Conv rows are output channels on axis 0; a ConvTranspose's (groups 1) are on axis 1.
            bool transposed = m.OpType == "ConvTranspose" && m.Role == MemberRole.ConvOutput;
            long d0 = weight.Dims[0], d1 = weight.Dims[1];
            long inner = OnnxTensors.ElementCount(weight) / (d0 * d1);
            for (int i = 0; i < m.Positions.Length; i++)
            {
                int p = m.Positions[i];
                double sum = 0;
                if (!transposed)
                    for (long k = p * d1 * inner; k < (p + 1) * d1 * inner; k++) sum += Term(w[k]);
                else
                    for (long r = 0; r < d0; r++)
                        for (long k = (r * d1 + p) * inner; k < (r * d1 + p + 1) * inner; k++) sum += Term(w[k]);
                scores[m.Indices[i]] += norm == 1 ? sum : Math.Sqrt(sum);
            }
        }
        return scores;
    }

    private double Term(float v) => norm == 1 ? Math.Abs(v) : (double)v * v;
}

/// <summary>Network slimming: |gamma| of the BatchNormalization nodes of the group, summed. A graph with no
/// BN at all (folded into the convs, as in an exported .onnx) cannot be ranked this way: an error naming the
/// setting, rather than silently another criterion. A group without BN in a graph that has some falls back
/// to the L2 norm of the producing weights, with a note.</summary>
public sealed class BatchNormScaleImportance : ChannelImportance
{
    public override string Name => "bn-scale";

    public override double[] Score(PruningGroup group, ImportanceContext context)
    {
        if (!context.Graph.Model.Graph.Node.Any(n => n.OpType == "BatchNormalization"))
            throw new Diagnostics.YoloCompressException(Diagnostics.DiagnosticCatalog.SettingNotApplicable,
                "PruneCriterion bn-scale ranks channels by BatchNormalization scales, and this model has none (BatchNorm is folded into its convs, "
                + "as in an exported .onnx): use another PruneCriterion (l1, l2, activation-mean, activation-variance, activation-variance-weighted, random) "
                + "or compress the .pt checkpoint", null);
        var scores = new double[group.Size];
        bool any = false;
        foreach (var m in group.Members.Where(m => m.Role == MemberRole.BatchNorm))
        {
            var node = context.Graph.Index.Consumers(m.Tensor).First(n => n.Name == m.Node);
            var gamma = OnnxTensors.ToFloatArray(context.Graph.Index.Initializer(node.Input[1])!);
            for (int i = 0; i < m.Positions.Length; i++) scores[m.Indices[i]] += Math.Abs(gamma[m.Positions[i]]);
            any = true;
        }
        if (any) return scores;
        var note = "bn-scale: the graph has no BatchNormalization (folded into Conv); ranking by the L2 norm of the producing weights instead.";
        if (!context.Notes.Contains(note)) context.Notes.Add(note);
        return new MagnitudeImportance(2).Score(group, context);
    }
}

public enum ActivationStatistic
{
    MeanMagnitude,
    Variance,
    /// <summary>Variance times how strongly consumers read the channel: the sum over consumer outputs of
    /// (BN scale x kernel sum)^2, i.e. the variance the channel's removal leaves in the consumers' outputs.</summary>
    ConsumerWeightedVariance,
}

/// <summary>Statistics of the group's channels as consumers receive them (the inputs of the convs reading
/// the group, after activation, through Concat and residual Adds), over calibration images, summed over
/// the distinct tensors read. Low variance means a channel is nearly constant, so replacing it by its mean
/// (the recovery) loses little: the criterion that matches mean-contribution recovery.</summary>
public sealed class ActivationImportance(ActivationStatistic statistic) : ChannelImportance
{
    public override string Name => statistic switch
    {
        ActivationStatistic.Variance => "activation-variance",
        ActivationStatistic.ConsumerWeightedVariance => "activation-variance-weighted",
        _ => "activation-mean",
    };

    public override bool NeedsCalibration => true;

    public override double[] Score(PruningGroup group, ImportanceContext context)
    {
        var stats = context.Statistics
            ?? throw new InvalidOperationException($"Criterion {Name} needs calibration images.");
        var scores = new double[group.Size];
        var seen = new HashSet<string>();
        foreach (var m in group.Members)
        {
            if (m.Role != MemberRole.ConvInput) continue;
            bool weighted = statistic == ActivationStatistic.ConsumerWeightedVariance;
            if (!weighted && !seen.Add(m.Tensor)) continue;
            var moments = stats[m.Tensor] ?? throw new InvalidOperationException($"No statistics were collected for '{m.Tensor}'.");
            var reach = weighted ? ConsumerReach(context, m) : null;
            for (int i = 0; i < m.Positions.Length; i++)
                scores[m.Indices[i]] += statistic switch
                {
                    ActivationStatistic.Variance => moments.Variance(m.Positions[i]),
                    ActivationStatistic.ConsumerWeightedVariance => moments.Variance(m.Positions[i]) * reach![m.Positions[i]],
                    _ => moments.MeanMagnitude(m.Positions[i]),
                };
        }
        return scores;
    }

    /// <summary>For each input channel of a consumer conv: sum over outputs of (g_o * sum_k W[o,c,k])^2, g_o the
    /// scale of the BN after the conv (1 without).</summary>
    private static double[] ConsumerReach(ImportanceContext context, GroupMember member)
    {
        var index = context.Graph.Index;
        var node = index.Consumers(member.Tensor).First(n => n.Name == member.Node);
        var weightInit = index.Initializer(node.Input[1])!;
        var w = OnnxTensors.ToFloatArray(weightInit);
        bool transposed = node.OpType == "ConvTranspose";
        int cout = (int)(transposed ? weightInit.Dims[1] : weightInit.Dims[0]);
        int cin = (int)(transposed ? weightInit.Dims[0] : weightInit.Dims[1]);
        int spatial = (int)(w.Length / ((long)cout * cin));
        var gain = Enumerable.Repeat(1.0, cout).ToArray();
        var consumers = index.Consumers(node.Output[0]);
        if (consumers.Count == 1 && consumers[0].OpType == "BatchNormalization")
        {
            var bn = consumers[0];
            var gamma = OnnxTensors.ToFloatArray(index.Initializer(bn.Input[1])!);
            var variance = OnnxTensors.ToFloatArray(index.Initializer(bn.Input[4])!);
            double eps = OnnxNodes.GetFloat(bn, "epsilon", 1e-5f);
            for (int o = 0; o < cout; o++) gain[o] = gamma[o] / Math.Sqrt(variance[o] + eps);
        }
        var reach = new double[cin];
        for (int o = 0; o < cout; o++)
            for (int c = 0; c < cin; c++)
            {
                long offset = transposed ? ((long)c * cout + o) * spatial : ((long)o * cin + c) * spatial;
                double sum = 0;
                for (int k = 0; k < spatial; k++) sum += w[offset + k];
                reach[c] += gain[o] * gain[o] * sum * sum;
            }
        return reach;
    }
}

/// <summary>Random scores from a fixed seed (mixed with the group id): the baseline every criterion must beat.</summary>
public sealed class RandomImportance(int seed) : ChannelImportance
{
    public override string Name => "random";

    public override double[] Score(PruningGroup group, ImportanceContext context)
    {
        var random = new Random(unchecked(seed * 1_000_003 + group.Id) & int.MaxValue); // not HashCode: it is salted per process
        return Enumerable.Range(0, group.Size).Select(_ => random.NextDouble()).ToArray();
    }
}
