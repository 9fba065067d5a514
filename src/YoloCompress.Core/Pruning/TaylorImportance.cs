namespace YoloCompress.Core.Pruning;

/// <summary>First-order Taylor importance in its Fisher form (Molchanov et al. 2019; Liu et al., Group Fisher Pruning, 2021),
/// without labels. Replacing channel c by its calibration mean m (what recovery starts from) changes the loss by about
/// sum over positions of (m - a) x dL/da; squared and summed over images, that estimates the loss the removal costs. L is
/// the model's own prediction loss with labels drawn from its own output distribution, so the expected squared gradient
/// is the Fisher information: at a trained model the distillation loss against itself has no gradient, a sampled label
/// does. Scores are summed over every tensor of the group consumers read, image by image before squaring (a channel
/// removed from a residual chain is removed from every tensor of it at once). The scores share one unit (loss) across
/// groups, so a global ranking compares them directly, per FLOP saved.</summary>
public sealed class TaylorImportance : ChannelImportance
{
    public override string Name => "taylor";

    public override bool NeedsCalibration => true;

    public override bool NeedsGradients => true;

    public override bool ComparableAcrossGroups => true;

    public override double[] Score(PruningGroup group, ImportanceContext context)
    {
        var stats = context.Statistics ?? throw new InvalidOperationException($"Criterion {Name} needs calibration images.");
        var gradients = context.Gradients ?? throw new InvalidOperationException($"Criterion {Name} needs the training backend's gradients.");
        double[][]? change = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in group.Members)
        {
            if (m.Role != MemberRole.ConvInput || !seen.Add(m.Tensor)) continue;
            var g = gradients.GetValueOrDefault(m.Tensor) ?? throw new InvalidOperationException($"No gradients were computed for '{m.Tensor}'.");
            var moments = stats[m.Tensor] ?? throw new InvalidOperationException($"No statistics were collected for '{m.Tensor}'.");
            change ??= Enumerable.Range(0, g.Rows).Select(_ => new double[group.Size]).ToArray();
            for (int row = 0; row < g.Rows; row++)
                for (int i = 0; i < m.Positions.Length; i++)
                {
                    int p = m.Positions[i];
                    change[row][m.Indices[i]] += moments.Mean(p) * g.Gradient[row][p] - g.ActivationTimesGradient[row][p];
                }
        }
        var scores = new double[group.Size];
        if (change is null) return scores;
        foreach (var perRow in change)
            for (int c = 0; c < scores.Length; c++) scores[c] += perRow[c] * perRow[c];
        for (int c = 0; c < scores.Length; c++) scores[c] /= 2 * change.Length;
        return scores;
    }
}
