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

    /// <summary>The setting values PruneCriterion accepts.</summary>
    public static IReadOnlyList<string> Criteria { get; } =
        ["l1", "l2", "bn-scale", "activation-mean", "activation-variance", "activation-variance-weighted", "random"];

    /// <summary>The criterion named by a PruneCriterion value.</summary>
    public static ChannelImportance Create(string criterion, int seed = 0) => criterion.ToLowerInvariant() switch
    {
        "l1" => new MagnitudeImportance(1),
        "l2" => new MagnitudeImportance(2),
        "bn-scale" => new BatchNormScaleImportance(),
        "activation-mean" => new ActivationImportance(ActivationStatistic.MeanMagnitude),
        "activation-variance" => new ActivationImportance(ActivationStatistic.Variance),
        "activation-variance-weighted" => new ActivationImportance(ActivationStatistic.ConsumerWeightedVariance),
        "random" => new RandomImportance(seed),
        _ => throw new ArgumentException(
            $"Setting PruneCriterion: unknown criterion '{criterion}'; expected one of {string.Join(", ", Criteria)}."),
    };
}
