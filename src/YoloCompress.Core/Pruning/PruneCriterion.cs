namespace YoloCompress.Core.Pruning;

/// <summary>How channels are ranked before the lowest are removed (the PruneCriterion setting).</summary>
public enum PruneCriterion
{
    /// <summary>L1 norm of the channel's weights.</summary>
    L1,

    /// <summary>L2 norm of the channel's weights.</summary>
    L2,

    /// <summary>|gamma| of the channel's BatchNormalization (network slimming).</summary>
    BnScale,

    /// <summary>Mean |activation| over calibration images.</summary>
    ActivationMean,

    /// <summary>Activation variance over calibration images.</summary>
    ActivationVariance,

    /// <summary>The variance a channel's removal leaves in its consumers' outputs once its mean is folded back:
    /// the measured best with recovery.</summary>
    ActivationVarianceWeighted,

    /// <summary>A seeded random ranking (a baseline).</summary>
    Random,

    /// <summary>First-order Taylor (Fisher) estimate of the loss a channel's removal costs, from the training backend's
    /// gradients on calibration images, without labels (<see cref="TaylorImportance"/>).</summary>
    Taylor,
}

/// <summary>uniform: the same ratio in every group; global: one ranking across groups (the PruneScope setting).</summary>
public enum PruneScope
{
    Uniform,
    Global,
}

/// <summary>The setting names of the pruning enums.</summary>
public static class PruneSettingNames
{
    public static string ToSettingName(this PruneCriterion criterion) => criterion switch
    {
        PruneCriterion.L1 => "l1",
        PruneCriterion.L2 => "l2",
        PruneCriterion.BnScale => "bn-scale",
        PruneCriterion.ActivationMean => "activation-mean",
        PruneCriterion.ActivationVariance => "activation-variance",
        PruneCriterion.ActivationVarianceWeighted => "activation-variance-weighted",
        PruneCriterion.Random => "random",
        PruneCriterion.Taylor => "taylor",
        _ => throw new ArgumentOutOfRangeException(nameof(criterion)),
    };

    public static string ToSettingName(this PruneScope scope) => scope switch
    {
        PruneScope.Uniform => "uniform",
        PruneScope.Global => "global",
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };
}
