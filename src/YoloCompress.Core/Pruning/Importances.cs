using YoloCompress.Core.Onnx;

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

/// <summary>Network slimming: |gamma| of the BatchNormalization nodes of the group, summed. A graph whose
/// BN is folded into the convs has none; then the L2 norm of the producing weights is used, with a note.</summary>
public sealed class BatchNormScaleImportance : ChannelImportance
{
    public override string Name => "bn-scale";

    public override double[] Score(PruningGroup group, ImportanceContext context)
    {
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

public enum ActivationStatistic { MeanMagnitude, Variance }

/// <summary>Statistics of the group's channels as consumers receive them (the inputs of the convs reading
/// the group, after activation, through Concat and residual Adds), over calibration images, summed over
/// the distinct tensors read. Low variance means a channel is nearly constant, so replacing it by its mean
/// (the recovery) loses little: the criterion that matches mean-contribution recovery.</summary>
public sealed class ActivationImportance(ActivationStatistic statistic) : ChannelImportance
{
    public override string Name => statistic == ActivationStatistic.Variance ? "activation-variance" : "activation-mean";

    public override bool NeedsCalibration => true;

    public override double[] Score(PruningGroup group, ImportanceContext context)
    {
        var stats = context.Statistics
            ?? throw new InvalidOperationException($"Criterion {Name} needs calibration images.");
        var scores = new double[group.Size];
        var seen = new HashSet<string>();
        foreach (var m in group.Members)
        {
            if (m.Role != MemberRole.ConvInput || !seen.Add(m.Tensor)) continue;
            var moments = stats[m.Tensor] ?? throw new InvalidOperationException($"No statistics were collected for '{m.Tensor}'.");
            for (int i = 0; i < m.Positions.Length; i++)
                scores[m.Indices[i]] += statistic == ActivationStatistic.Variance
                    ? moments.Variance(m.Positions[i])
                    : moments.MeanMagnitude(m.Positions[i]);
        }
        return scores;
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
