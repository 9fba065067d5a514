namespace YoloCompress.Core.Profiles;

/// <summary>Every setting of a compression run, resolved. One name per setting across
/// yolocompress.json, MSBuild item metadata and properties (prefixed YoloCompress), and the
/// command line (--set Name=Value, or the dedicated switch). Defaults are documented here and
/// nowhere else.</summary>
public sealed record CompressionSettings
{
    /// <summary>Square network input size in pixels, a multiple of the model's largest stride. Default 640.</summary>
    public int InputSize { get; init; } = 640;

    // ---- pruning -------------------------------------------------------------------------

    /// <summary>Fraction of prunable channels removed, 0 (off) to 0.9. Default 0.</summary>
    public double PruneRatio { get; init; }

    /// <summary>How channels are ranked: l1, l2, bn-scale, activation-mean, activation-variance,
    /// activation-variance-weighted (variance times how strongly consumers read the channel), random.
    /// Default activation-variance-weighted.</summary>
    public string PruneCriterion { get; init; } = "activation-variance-weighted";

    /// <summary>uniform (the same ratio in every group) or global (one ranking across groups). Default uniform.</summary>
    public string PruneScope { get; init; } = "uniform";

    /// <summary>Kept channel counts are rounded to a multiple of this. Default 8.</summary>
    public int PruneRoundTo { get; init; } = 8;

    /// <summary>Rebuild removed channels in their consumers from the kept ones (least squares over calibration
    /// images) and re-estimate BN. Default true.</summary>
    public bool PruneRecovery { get; init; } = true;

    /// <summary>Per-layer ratios, "pattern=ratio" where pattern is a node name or a glob (model.2*). Default none.</summary>
    public IReadOnlyList<string> PruneOverrides { get; init; } = Array.Empty<string>();

    /// <summary>Layers never pruned, by name or glob. Default none.</summary>
    public IReadOnlyList<string> PruneProtect { get; init; } = Array.Empty<string>();

    // ---- quantization ----------------------------------------------------------------------

    /// <summary>none (float32), int8 (static QDQ), fp16, int8-weight-only. Default int8.</summary>
    public string Quantization { get; init; } = "int8";

    /// <summary>Activation calibration method: minmax, percentile, entropy, mse. Default percentile
    /// (on yolov5n, coco128: mAP@0.5:0.95 0.356 against float 0.355; mse 0.351, minmax 0.352, entropy 0.347).</summary>
    public string Calibration { get; init; } = "percentile";

    /// <summary>Percentile kept by the percentile method, in (90, 100]. Default 99.999.</summary>
    public double CalibrationPercentile { get; init; } = 99.999;

    /// <summary>Most calibration images used, chosen deterministically (sorted by path, evenly spaced). Default 64.</summary>
    public int CalibrationCount { get; init; } = 64;

    /// <summary>Activation type: uint8 (asymmetric) or int8 (symmetric). Default uint8.</summary>
    public string ActivationType { get; init; } = "uint8";

    /// <summary>Nodes kept float: names, globs (model.24*) or op types (op:Concat). The Detect decode tail is always kept float. Default none.</summary>
    public IReadOnlyList<string> KeepFloat { get; init; } = Array.Empty<string>();

    // ---- budgets ---------------------------------------------------------------------------

    /// <summary>Largest acceptable model file in bytes; null for no budget.</summary>
    public long? MaxSize { get; init; }

    /// <summary>Largest acceptable mAP@0.5:0.95 drop in absolute points of 1 (0.01 = one point); needs a validation set.</summary>
    public double? MaxMapDrop { get; init; }

    /// <summary>Latency budget in milliseconds at one thread; a warning only.</summary>
    public double? MaxLatency { get; init; }

    // ---- emit ------------------------------------------------------------------------------

    /// <summary>ONNX opset of the emitted model, 12 (the reference exporter's default) to 26; int8 needs 13 or later. Default 17.</summary>
    public int Opset { get; init; } = OnnxModel.OpsetConversion.DefaultOpset;
}
