namespace YoloCompress.Core.Pruning;

/// <summary>What importance criteria may use: the graph and, for activation criteria, statistics of the
/// unpruned model over calibration images. Notes (fallbacks) are collected for the report.</summary>
public sealed class ImportanceContext
{
    public ImportanceContext(DependencyGraph graph, ChannelStatistics? statistics, IReadOnlyDictionary<string, ChannelGradients>? gradients = null)
    {
        Graph = graph;
        Statistics = statistics;
        Gradients = gradients;
    }

    public DependencyGraph Graph { get; }

    public ChannelStatistics? Statistics { get; }

    /// <summary>Per-image channel gradients of the tensors consumers read, for gradient criteria (the training backend's).</summary>
    public IReadOnlyDictionary<string, ChannelGradients>? Gradients { get; }

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

    /// <summary>True when the criterion needs gradients of the model's loss (the training backend).</summary>
    public virtual bool NeedsGradients => false;

    /// <summary>True when scores share one unit across groups (an estimated loss), so a global ranking compares them
    /// per FLOP saved; otherwise each group's scores are normalised by their mean first.</summary>
    public virtual bool ComparableAcrossGroups => false;

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
        PruneCriterion.Taylor => new TaylorImportance(),
        _ => throw new ArgumentOutOfRangeException(nameof(criterion), criterion, "Unknown pruning criterion."),
    };
}
