namespace YoloCompress.Core.Pruning;

/// <summary>What importance criteria may use: the graph and, for activation criteria, statistics of the
/// unpruned model over calibration images. Notes (fallbacks) are collected for the report.</summary>
public sealed class ImportanceContext
{
    public ImportanceContext(DependencyGraph graph, ChannelStatistics? statistics)
    {
        Graph = graph;
        Statistics = statistics;
    }

    public DependencyGraph Graph { get; }

    public ChannelStatistics? Statistics { get; }

    public List<string> Notes { get; } = new();
}

/// <summary>Scores a group's channels: one score a channel, higher = more important (Torch-Pruning's
/// Importance). Pruning removes the lowest.</summary>
public abstract class ChannelImportance
{
    /// <summary>The criterion's setting value (PruneCriterion).</summary>
    public abstract string Name { get; }

    /// <summary>True when the criterion needs activation statistics of calibration images.</summary>
    public virtual bool NeedsCalibration => false;

    public abstract double[] Score(PruningGroup group, ImportanceContext context);

    /// <summary>The importance a criterion stands for.</summary>
    public static ChannelImportance Create(PruneCriterion criterion, int seed = 0) => criterion switch
    {
        PruneCriterion.L1 => new MagnitudeImportance(1),
        PruneCriterion.L2 => new MagnitudeImportance(2),
        PruneCriterion.BnScale => new BatchNormScaleImportance(),
        PruneCriterion.ActivationMean => new ActivationImportance(ActivationStatistic.MeanMagnitude),
        PruneCriterion.ActivationVariance => new ActivationImportance(ActivationStatistic.Variance),
        PruneCriterion.ActivationVarianceWeighted => new ActivationImportance(ActivationStatistic.ConsumerWeightedVariance),
        PruneCriterion.Random => new RandomImportance(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown pruning criterion."),
    };
}
