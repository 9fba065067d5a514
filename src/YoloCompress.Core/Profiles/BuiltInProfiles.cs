using System.Globalization;
using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Profiles;

/// <summary>The presets every project has without a yolocompress.json. Each is a list of settings
/// over CompressionSettings' defaults, exactly like a profile in the file, so one resolver handles both.</summary>
public static class BuiltInProfiles
{
    /// <summary>The profile used when none is named.</summary>
    public const string Default = Int8;

    /// <summary>float16 weights and activations, nothing removed: half the size, accuracy kept.</summary>
    public const string Fp16 = "fp16";

    /// <summary>Static int8 QDQ with calibration; nothing pruned.</summary>
    public const string Int8 = "int8";

    /// <summary>Channel pruning, then static int8.</summary>
    public const string PrunedInt8 = "pruned-int8";

    /// <summary>Fraction of channels pruned-int8 removes: 2% rounds to 8 channels of each 256-channel group
    /// on yolov5n (the next step, 3.2%, takes 8 of every 128-channel group too and costs 4 more points).
    /// Measured on coco128 with int8: mAP@0.5:0.95 0.355 -> 0.340; YOLOv5n is fragile without training,
    /// larger ratios cost far more (docs/pruning.md).</summary>
    public const double PrunedInt8Ratio = 0.02;

    /// <summary>A quarter of the FLOPs pruned, recovered by distillation from the unpruned model (the training
    /// backend), then static int8.</summary>
    public const string PrunedDistilledInt8 = "pruned-distilled-int8";

    /// <summary>Static int8 at the cheapest input geometry (square, fitted rectangle or per-image shapes) whose int8
    /// model loses at most <see cref="EdgeInt8MaxMapDrop"/> of mAP@0.5:0.95 against the float model at its own size, on
    /// the project's validation set (which it needs).</summary>
    public const string EdgeInt8 = "edge-int8";

    /// <summary>The budget edge-int8 searches under: two points of mAP@0.5:0.95.</summary>
    public const double EdgeInt8MaxMapDrop = 0.02;

    public static IReadOnlyList<ProfileDefinition> All { get; } =
    [
        Define(Fp16, null, ("Quantization", "fp16")),
        Define(Int8, null, ("Quantization", "int8")),
        Define(PrunedInt8, Int8, ("PruneRatio", PrunedInt8Ratio.ToString(CultureInfo.InvariantCulture))),
        Define(PrunedDistilledInt8, Int8, ("PruneTargetFlops", "0.75"), ("Recovery", "distill")),
        Define(EdgeInt8, Int8, ("InputSize", "auto"), ("MaxMapDrop", EdgeInt8MaxMapDrop.ToString(CultureInfo.InvariantCulture))),
    ];

    public static ProfileDefinition? Find(string name) =>
        All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private static ProfileDefinition Define(string name, string? extends, params (string Name, string Value)[] settings)
    {
        var origin = DiagnosticOrigin.CommandLine($"built-in profile '{name}'");
        return new ProfileDefinition(name, extends, settings.Select(s => new SettingOverride(s.Name, s.Value, origin)).ToArray(), origin);
    }
}
