using YoloCompress.Core.Patterns;

namespace YoloCompress.Core.Pruning;

/// <summary>How to prune: the settings PruneRatio, PruneCriterion, PruneScope, PruneRoundTo, PruneOverrides and
/// PruneProtect, typed, with their defaults. Recovery is a stage of its own (see the Recovery folder).</summary>
public sealed record PruneOptions
{
    /// <summary>Pruning more than this leaves too little of the network to recover without training.</summary>
    public const double MaxRatio = 0.9;

    /// <summary>The smallest PruneTargetFlops: what <see cref="MaxRatio"/> leaves at most.</summary>
    public const double MinTargetFlops = 0.1;

    /// <summary>Fraction of each group's channels removed (uniform), or of all prunable channels (global). 0 (off) to
    /// <see cref="MaxRatio"/>. Default 0.</summary>
    public double Ratio { get; init; }

    /// <summary>Default <see cref="PruneCriterion.ActivationVarianceWeighted"/>.</summary>
    public PruneCriterion Criterion { get; init; } = PruneCriterion.ActivationVarianceWeighted;

    /// <summary>Default <see cref="PruneScope.Uniform"/>.</summary>
    public PruneScope Scope { get; init; } = PruneScope.Uniform;

    /// <summary>Kept channel counts are rounded to a multiple of this (ONNX Runtime's kernels want multiples of 8).
    /// Default 8.</summary>
    public int RoundTo { get; init; } = 8;

    /// <summary>PruneTargetFlops: the fraction of the original convolution FLOPs the pruned model keeps (0.75 removes
    /// a quarter); when set, the uniform ratio is searched for the smallest that reaches it and <see cref="Ratio"/> is
    /// ignored. Default null (prune by <see cref="Ratio"/>).</summary>
    public double? TargetFlops { get; init; }

    /// <summary>PruneSteps: prune in this many equal steps, each followed by the recover stage (with distillation:
    /// iterative pruning). Default 1.</summary>
    public int Steps { get; init; } = 1;

    /// <summary>Whether anything is to be pruned.</summary>
    public bool Enabled => Ratio > 0 || TargetFlops is < 1;

    /// <summary>Per-group ratios; the last matching entry wins. Default none.</summary>
    public IReadOnlyList<RatioOverride> Overrides { get; init; } = [];

    /// <summary>Groups never pruned, by name or glob. Default none.</summary>
    public IReadOnlyList<NodePattern> Protect { get; init; } = [];

    /// <summary>Exact ratios by group name, ahead of overrides (sensitivity analysis and its proposals);
    /// groups not named get <see cref="Ratio"/>.</summary>
    public IReadOnlyDictionary<string, double>? GroupRatios { get; init; }

    /// <summary>Seed of the random criterion.</summary>
    public int Seed { get; init; }

    internal void Validate()
    {
        if (Ratio is < 0 or > MaxRatio || double.IsNaN(Ratio))
            throw new ArgumentException($"Setting PruneRatio: {Ratio} is outside [0, {MaxRatio}].");
        if (TargetFlops is { } flops && (flops < MinTargetFlops || flops > 1 || double.IsNaN(flops)))
            throw new ArgumentException($"Setting PruneTargetFlops: {flops} is outside [{MinTargetFlops}, 1].");
        if (Steps < 1)
            throw new ArgumentException($"Setting PruneSteps: {Steps} must be at least 1.");
        if (RoundTo < 1)
            throw new ArgumentException($"Setting PruneRoundTo: {RoundTo} must be at least 1.");
        if (Overrides.FirstOrDefault(o => o.Ratio is < 0 or > MaxRatio || double.IsNaN(o.Ratio)) is { } bad)
            throw new ArgumentException($"Setting PruneOverrides: '{bad}' has a ratio outside [0, {MaxRatio}].");
    }
}
