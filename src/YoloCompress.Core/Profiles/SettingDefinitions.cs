using System.Text.Json;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Patterns;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Recovery;

namespace YoloCompress.Core.Profiles;

/// <summary>One setting: its name (matched case-insensitively everywhere), how its text becomes a typed value
/// in <see cref="CompressionSettings"/>, and how that value is written in the canonical JSON.</summary>
public sealed class SettingDefinition
{
    internal SettingDefinition(string name, Func<CompressionSettings, string, CompressionSettings> apply, Action<Utf8JsonWriter, CompressionSettings> write)
    {
        Name = name;
        Apply = apply;
        Write = write;
    }

    public string Name { get; }

    /// <summary>Returns the settings with this setting parsed from text; throws SettingValueException with the reason.</summary>
    internal Func<CompressionSettings, string, CompressionSettings> Apply { get; }

    internal Action<Utf8JsonWriter, CompressionSettings> Write { get; }
}

/// <summary>Every setting, parsed here once: the only place where setting text becomes typed options. A test
/// checks that the canonical JSON of the defaults names each setting once.</summary>
public static class SettingDefinitions
{
    /// <summary>The network's largest stride: input sizes must be a multiple of it.</summary>
    public const int LargestStride = 32;

    /// <summary>All settings, sorted by name (the canonical JSON order).</summary>
    public static IReadOnlyList<SettingDefinition> All { get; } = new SettingDefinition[]
    {
        new("InputSize", (s, v) => s with { InputSize = SettingValues.IsNone(v) ? null : InputSizeSetting.Parse(v, LargestStride) }, WriteInputSize),
        new("MinInputSize", (s, v) => s with { MinInputSize = InputSize(v) }, (w, s) => w.WriteNumber("MinInputSize", s.MinInputSize)),
        new("CalibrationCount", (s, v) => s with { CalibrationCount = SettingValues.Integer(v, 1, 100_000) },
            (w, s) => w.WriteNumber("CalibrationCount", s.CalibrationCount)),

        new("PruneRatio", (s, v) => s with { Pruning = s.Pruning with { Ratio = SettingValues.Number(v, 0, PruneOptions.MaxRatio) } },
            (w, s) => w.WriteNumber("PruneRatio", s.Pruning.Ratio)),
        Choice("PruneCriterion", s => s.Pruning.Criterion, (s, c) => s with { Pruning = s.Pruning with { Criterion = c } }, PruneSettingNames.ToSettingName),
        Choice("PruneScope", s => s.Pruning.Scope, (s, c) => s with { Pruning = s.Pruning with { Scope = c } }, PruneSettingNames.ToSettingName),
        new("PruneRoundTo", (s, v) => s with { Pruning = s.Pruning with { RoundTo = SettingValues.Integer(v, 1, 256) } },
            (w, s) => w.WriteNumber("PruneRoundTo", s.Pruning.RoundTo)),
        new("PruneOverrides", (s, v) => s with { Pruning = s.Pruning with { Overrides = SettingValues.RatioOverrides(v, PruneOptions.MaxRatio) } },
            (w, s) => WriteList(w, "PruneOverrides", s.Pruning.Overrides.Select(o => o.ToString()))),
        new("PruneProtect", (s, v) => s with { Pruning = s.Pruning with { Protect = SettingValues.Patterns(v, allowOpTypes: false) } },
            (w, s) => WriteList(w, "PruneProtect", s.Pruning.Protect.Select(p => p.Text))),
        new("PruneTargetFlops", (s, v) => s with { Pruning = s.Pruning with { TargetFlops = SettingValues.IsNone(v) ? null : SettingValues.Number(v, PruneOptions.MinTargetFlops, 1) } },
            (w, s) => WriteOptional(w, "PruneTargetFlops", s.Pruning.TargetFlops)),
        new("PruneSteps", (s, v) => s with { Pruning = s.Pruning with { Steps = SettingValues.Integer(v, 1, 20) } },
            (w, s) => w.WriteNumber("PruneSteps", s.Pruning.Steps)),
        Choice("Recovery", s => s.Recovery.Method, (s, m) => s with { Recovery = s.Recovery with { Method = m } }, RecoveryMethods.ToSettingName),
        new("DistillEpochs", (s, v) => s with { Recovery = s.Recovery.WithDistillation(d => d with { Epochs = SettingValues.Integer(v, 1, 10_000) }) },
            (w, s) => w.WriteNumber("DistillEpochs", s.Recovery.Distillation.Epochs)),
        new("DistillImageSize", (s, v) => s with { Recovery = s.Recovery.WithDistillation(d => d with { ImageSize = InputSize(v) }) },
            (w, s) => w.WriteNumber("DistillImageSize", s.Recovery.Distillation.ImageSize)),
        new("DistillBatch", (s, v) => s with { Recovery = s.Recovery.WithDistillation(d => d with { Batch = SettingValues.Integer(v, 1, 1024) }) },
            (w, s) => w.WriteNumber("DistillBatch", s.Recovery.Distillation.Batch)),
        new("DistillLearningRate", (s, v) => s with { Recovery = s.Recovery.WithDistillation(d => d with { LearningRate = SettingValues.Number(v, 0, 1, minExclusive: true) }) },
            (w, s) => w.WriteNumber("DistillLearningRate", s.Recovery.Distillation.LearningRate)),
        new("QatEpochs", (s, v) => s with { Recovery = s.Recovery with { QatEpochs = SettingValues.Integer(v, 1, 10_000) } },
            (w, s) => w.WriteNumber("QatEpochs", s.Recovery.QatEpochs)),
        new("QatLearningRate", (s, v) => s with { Recovery = s.Recovery with { QatLearningRate = SettingValues.Number(v, 0, 1, minExclusive: true) } },
            (w, s) => w.WriteNumber("QatLearningRate", s.Recovery.QatLearningRate)),
        // One seed for everything random: the random criterion, distillation's shuffling and augmentation.
        new("Seed", (s, v) =>
            {
                int seed = SettingValues.Integer(v, 0, int.MaxValue);
                return s with { Pruning = s.Pruning with { Seed = seed }, Recovery = s.Recovery.WithDistillation(d => d with { Seed = seed }) };
            },
            (w, s) => w.WriteNumber("Seed", s.Recovery.Distillation.Seed)),

        Choice("Quantization", s => s.Quantization.Mode, (s, m) => s with { Quantization = s.Quantization with { Mode = m } }, QuantizationModes.ToSettingName),
        Choice("ActivationType", s => s.Quantization.ActivationType, (s, t) => s with { Quantization = s.Quantization with { ActivationType = t } }, ActivationTypes.ToSettingName),
        new("WeightBits", (s, v) =>
            {
                int bits = SettingValues.Integer(v, 1, 64);
                return bits is 4 or 8 ? s with { Quantization = s.Quantization with { WeightBits = bits } } : throw new SettingValueException("must be 8 or 4");
            },
            (w, s) => w.WriteNumber("WeightBits", s.Quantization.WeightBits)),
        Choice("HeadConvs", s => s.Quantization.HeadConvs, (s, h) => s with { Quantization = s.Quantization with { HeadConvs = h } }, HeadConvPrecisions.ToSettingName),
        new("KeepFloat", (s, v) => s with { Quantization = s.Quantization with { KeepFloat = SettingValues.Patterns(v, allowOpTypes: true) } },
            (w, s) => WriteList(w, "KeepFloat", s.Quantization.KeepFloat.Select(p => p.Text))),
        Choice("Calibration", s => s.Calibration.Method, (s, m) => s with { Calibration = s.Calibration with { Method = m } }, CalibrationMethods.ToSettingName),
        new("CalibrationPercentile", (s, v) => s with { Calibration = s.Calibration with { Percentile = SettingValues.Number(v, 90, 100, minExclusive: true) } },
            (w, s) => w.WriteNumber("CalibrationPercentile", s.Calibration.Percentile)),

        new("MaxSize", (s, v) => s with { MaxSize = SettingValues.IsNone(v) ? null : SettingValues.Size(v) }, (w, s) => WriteOptional(w, "MaxSize", s.MaxSize)),
        new("MaxMapDrop", (s, v) => s with { MaxMapDrop = SettingValues.IsNone(v) ? null : SettingValues.Number(v, 0, 1) }, (w, s) => WriteOptional(w, "MaxMapDrop", s.MaxMapDrop)),
        new("MaxLatency", (s, v) => s with { MaxLatency = SettingValues.IsNone(v) ? null : SettingValues.Milliseconds(v) }, (w, s) => WriteOptional(w, "MaxLatency", s.MaxLatency)),
        new("Opset", (s, v) => s with { Opset = SettingValues.Integer(v, OpsetConversion.Minimum, OpsetConversion.Maximum) },
            (w, s) => w.WriteNumber("Opset", s.Opset)),
    }.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();

    private static readonly Dictionary<string, SettingDefinition> ByName =
        All.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The definition named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static SettingDefinition? Find(string name) => ByName.GetValueOrDefault(name.Trim());

    /// <summary>Setting names for messages: "ActivationType, Calibration, ...".</summary>
    public static string NameList => string.Join(", ", All.Select(d => d.Name));

    private static int InputSize(string text)
    {
        var size = SettingValues.Integer(text, LargestStride, 4096);
        return size % LargestStride == 0 ? size : throw new SettingValueException($"must be a multiple of {LargestStride}");
    }

    /// <summary>An enum setting, spelled as <paramref name="name"/> says (case-insensitive on input).</summary>
    private static SettingDefinition Choice<T>(string setting, Func<CompressionSettings, T> get, Func<CompressionSettings, T, CompressionSettings> set,
        Func<T, string> name) where T : struct, Enum =>
        new(setting, (s, v) => set(s, SettingValues.Choice(v, Enum.GetValues<T>(), name)), (w, s) => w.WriteString(setting, name(get(s))));

    /// <summary>A square as a number (as before rectangles existed, so existing profiles keep their cache keys),
    /// anything else as its spelling.</summary>
    private static void WriteInputSize(Utf8JsonWriter writer, CompressionSettings s)
    {
        if (s.InputSize is not { } size) writer.WriteNull("InputSize");
        else if (size.Kind == InputSizeKind.Fixed && size.Width == size.Height) writer.WriteNumber("InputSize", size.Width);
        else writer.WriteString("InputSize", size.ToString());
    }

    private static void WriteList(Utf8JsonWriter writer, string name, IEnumerable<string> items)
    {
        writer.WriteStartArray(name);
        foreach (var item in items)
            writer.WriteStringValue(item);
        writer.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v) writer.WriteNumber(name, v);
        else writer.WriteNull(name);
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v) writer.WriteNumber(name, v);
        else writer.WriteNull(name);
    }
}
