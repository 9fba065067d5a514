using System.Text.Json;

namespace YoloCompress.Core.Profiles;

/// <summary>One setting: its name (the CompressionSettings property name, matched
/// case-insensitively everywhere), how text becomes a value, and how the value is written in the
/// canonical JSON.</summary>
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

/// <summary>The parsers of every CompressionSettings property; a test checks that each property has
/// exactly one entry here, so adding a setting to CompressionSettings without a parser fails fast.</summary>
public static class SettingDefinitions
{
    public static readonly IReadOnlyList<string> PruneCriteria = Pruning.ChannelImportance.Criteria;
    public static readonly IReadOnlyList<string> PruneScopes = ["uniform", "global"];
    public static readonly IReadOnlyList<string> Quantizations = Quantization.QuantizationModes.Names;
    public static readonly IReadOnlyList<string> CalibrationMethods = Calibration.CalibrationMethods.Names;
    public static readonly IReadOnlyList<string> ActivationTypes = ["uint8", "int8"];

    /// <summary>The network's largest stride: input sizes must be a multiple of it.</summary>
    public const int LargestStride = 32;

    /// <summary>Pruning more than this leaves too little of the network to recover without training.</summary>
    public const double MaxPruneRatio = 0.9;

    /// <summary>All settings, sorted by name (the canonical JSON order).</summary>
    public static IReadOnlyList<SettingDefinition> All { get; } = new SettingDefinition[]
    {
        Define("InputSize", (s, v) => s with { InputSize = InputSize(v) }, s => s.InputSize),
        Define("PruneRatio", (s, v) => s with { PruneRatio = SettingValues.Number(v, 0, MaxPruneRatio) }, s => s.PruneRatio),
        Define("PruneCriterion", (s, v) => s with { PruneCriterion = SettingValues.Choice(v, PruneCriteria) }, s => s.PruneCriterion),
        Define("PruneScope", (s, v) => s with { PruneScope = SettingValues.Choice(v, PruneScopes) }, s => s.PruneScope),
        Define("PruneRoundTo", (s, v) => s with { PruneRoundTo = SettingValues.Integer(v, 1, 256) }, s => s.PruneRoundTo),
        Define("PruneRecovery", (s, v) => s with { PruneRecovery = SettingValues.Boolean(v) }, s => s.PruneRecovery),
        Define("PruneOverrides", (s, v) => s with { PruneOverrides = SettingValues.RatioOverrides(v) }, s => s.PruneOverrides),
        Define("PruneProtect", (s, v) => s with { PruneProtect = SettingValues.List(v) }, s => s.PruneProtect),
        Define("Quantization", (s, v) => s with { Quantization = SettingValues.Choice(v, Quantizations) }, s => s.Quantization),
        Define("Calibration", (s, v) => s with { Calibration = SettingValues.Choice(v, CalibrationMethods) }, s => s.Calibration),
        Define("CalibrationPercentile", (s, v) => s with { CalibrationPercentile = SettingValues.Number(v, 90, 100, minExclusive: true) }, s => s.CalibrationPercentile),
        Define("CalibrationCount", (s, v) => s with { CalibrationCount = SettingValues.Integer(v, 1, 100_000) }, s => s.CalibrationCount),
        Define("ActivationType", (s, v) => s with { ActivationType = SettingValues.Choice(v, ActivationTypes) }, s => s.ActivationType),
        Define("KeepFloat", (s, v) => s with { KeepFloat = SettingValues.List(v) }, s => s.KeepFloat),
        Define("MaxSize", (s, v) => s with { MaxSize = SettingValues.IsNone(v) ? null : SettingValues.Size(v) }, s => s.MaxSize),
        Define("MaxMapDrop", (s, v) => s with { MaxMapDrop = SettingValues.IsNone(v) ? null : SettingValues.Number(v, 0, 1) }, s => s.MaxMapDrop),
        Define("MaxLatency", (s, v) => s with { MaxLatency = SettingValues.IsNone(v) ? null : SettingValues.Milliseconds(v) }, s => s.MaxLatency),
        Define("Opset", (s, v) => s with { Opset = SettingValues.Integer(v, OnnxModel.OpsetConversion.Minimum, OnnxModel.OpsetConversion.Maximum) }, s => s.Opset),
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

    private static SettingDefinition Define(string name, Func<CompressionSettings, string, CompressionSettings> apply, Func<CompressionSettings, int> get) =>
        new(name, apply, (w, s) => w.WriteNumber(name, get(s)));

    private static SettingDefinition Define(string name, Func<CompressionSettings, string, CompressionSettings> apply, Func<CompressionSettings, double> get) =>
        new(name, apply, (w, s) => w.WriteNumber(name, get(s)));

    private static SettingDefinition Define(string name, Func<CompressionSettings, string, CompressionSettings> apply, Func<CompressionSettings, bool> get) =>
        new(name, apply, (w, s) => w.WriteBoolean(name, get(s)));

    private static SettingDefinition Define(string name, Func<CompressionSettings, string, CompressionSettings> apply, Func<CompressionSettings, string> get) =>
        new(name, apply, (w, s) => w.WriteString(name, get(s)));

    private static SettingDefinition Define(string name, Func<CompressionSettings, string, CompressionSettings> apply, Func<CompressionSettings, long?> get) =>
        new(name, apply, (w, s) =>
        {
            if (get(s) is { } value) w.WriteNumber(name, value);
            else w.WriteNull(name);
        });

    private static SettingDefinition Define(string name, Func<CompressionSettings, string, CompressionSettings> apply, Func<CompressionSettings, double?> get) =>
        new(name, apply, (w, s) =>
        {
            if (get(s) is { } value) w.WriteNumber(name, value);
            else w.WriteNull(name);
        });

    private static SettingDefinition Define(string name, Func<CompressionSettings, string, CompressionSettings> apply, Func<CompressionSettings, IReadOnlyList<string>> get) =>
        new(name, apply, (w, s) =>
        {
            w.WriteStartArray(name);
            foreach (var item in get(s))
                w.WriteStringValue(item);
            w.WriteEndArray();
        });
}
