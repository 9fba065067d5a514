using YoloCompress.Core.Calibration;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Recovery;

namespace YoloCompress.Core.Profiles;

/// <summary>Every setting of a compression run, resolved and typed: the stages' own options plus what the run
/// itself needs. One name per setting across yolocompress.json, MSBuild item metadata and properties (prefixed
/// YoloCompress), and the command line (--set Name=Value); <see cref="SettingDefinitions"/> maps each name to its
/// property here. Each default is written once: stage defaults in the stage's options record, run defaults here.</summary>
public sealed record CompressionSettings
{
    /// <summary>Network input geometry: <c>640</c> (square), <c>640x384</c> (width x height), <c>dynamic[:640]</c>
    /// (symbolic height and width, each image in its own smallest stride-multiple rectangle) or <c>auto</c> (the cheapest
    /// geometry whose final model stays within MaxMapDrop); sides are multiples of the model's largest
    /// stride. Default null: the model's own (a checkpoint's training size, else 1280 for P6/P7 models and 640 for the
    /// rest; an .onnx's declared size).</summary>
    public InputSizeSetting? InputSize { get; init; }

    /// <summary>MinInputSize: the smallest side <c>InputSize</c> <c>auto</c> tries, a multiple of 32. Default 320.</summary>
    public int MinInputSize { get; init; } = 320;

    /// <summary>Most calibration images used, chosen deterministically (sorted by path, evenly spaced). Default 64.</summary>
    public int CalibrationCount { get; init; } = 64;

    /// <summary>PruneRatio, PruneTargetFlops, PruneSteps, PruneCriterion, PruneScope, PruneRoundTo, PruneOverrides, PruneProtect.</summary>
    public PruneOptions Pruning { get; init; } = new();

    /// <summary>Recovery, DistillEpochs, DistillImageSize, DistillBatch, DistillLearningRate, Seed.</summary>
    public RecoveryOptions Recovery { get; init; } = new();

    /// <summary>Calibration, CalibrationPercentile.</summary>
    public CalibrationOptions Calibration { get; init; } = new();

    /// <summary>Quantization, ActivationType, KeepFloat.</summary>
    public QuantizationOptions Quantization { get; init; } = new();

    /// <summary>MaxSize: largest acceptable model file in bytes; null for no budget.</summary>
    public long? MaxSize { get; init; }

    /// <summary>MaxMapDrop: largest acceptable mAP@0.5:0.95 drop in absolute points of 1 (0.01 = one point); needs a validation set.</summary>
    public double? MaxMapDrop { get; init; }

    /// <summary>MaxLatency: latency budget in milliseconds at one thread; a warning only.</summary>
    public double? MaxLatency { get; init; }

    /// <summary>Whether the prune stage runs.</summary>
    public bool Prunes => Pruning.Enabled;

    /// <summary>The settings that make a run need calibration images, in words, or null when none does: static
    /// int8 needs activation ranges; pruning recovery and activation criteria need activations.</summary>
    public string? CalibrationNeededBy()
    {
        if (Quantization.Mode.IsStaticInt8()) return $"Quantization {Quantization.Mode.ToSettingName()}";
        if (!Prunes) return null;
        var ratio = Pruning.TargetFlops is { } flops ? FormattableString.Invariant($"PruneTargetFlops {flops}") : FormattableString.Invariant($"PruneRatio {Pruning.Ratio}");
        if (Recovery.Method != RecoveryMethod.None) return $"{ratio} with Recovery {Recovery.Method.ToSettingName()}";
        return ChannelImportance.Create(Pruning.Criterion).NeedsCalibration
            ? $"{ratio} with PruneCriterion {Pruning.Criterion.ToSettingName()}" : null;
    }

    // ---- emit ------------------------------------------------------------------------------

    /// <summary>ONNX opset of the emitted model, 12 (the reference exporter's default) to 26; int8 needs 13 or later. Default 17.</summary>
    public int Opset { get; init; } = OpsetConversion.DefaultOpset;

    /// <summary>The opset written: <see cref="Opset"/>, raised to 21 where WeightBits 4 stores int4 weights (ONNX has int4 from 21).</summary>
    public int EmittedOpset => Quantization.WeightBits == 4 && Quantization.Mode.IsStaticInt8()
        ? Math.Max(Opset, YoloCompress.Core.Quantization.QuantizationOptions.Int4Opset) : Opset;
}
