using YoloCompress.Core.Profiles;

namespace YoloCompress.Core.Quantization;

/// <summary>What to quantize and how. <see cref="FromSettings"/> maps and validates the settings.</summary>
public sealed record QuantizationOptions
{
    /// <summary>Default <see cref="QuantizationMode.Int8"/>.</summary>
    public QuantizationMode Mode { get; init; } = QuantizationMode.Int8;

    /// <summary>Default <see cref="Quantization.ActivationType.Uint8"/>.</summary>
    public ActivationType ActivationType { get; init; } = ActivationType.Uint8;

    /// <summary>Nodes kept float (names, globs, op:TYPE). Default none.</summary>
    public IReadOnlyList<NodePattern> KeepFloat { get; init; } = Array.Empty<NodePattern>();

    /// <summary>Keep the decode tail (<see cref="DecodeTail"/>) float: it carries pixel-scale values
    /// (boxes up to the input size next to 0..1 scores) that one 8-bit scale cannot hold. Default true.</summary>
    public bool KeepDecodeTailFloat { get; init; } = true;

    /// <summary>Which op types are quantized. Default <see cref="QdqOpRegistry.Default"/>.</summary>
    public QdqOpRegistry Registry { get; init; } = QdqOpRegistry.Default;

    /// <summary>Options from resolved settings (Quantization, ActivationType, KeepFloat).</summary>
    /// <exception cref="ArgumentException">A setting has a bad value; the message names it.</exception>
    public static QuantizationOptions FromSettings(CompressionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new QuantizationOptions
        {
            Mode = QuantizationModes.Parse(settings.Quantization),
            ActivationType = ActivationTypes.Parse(settings.ActivationType),
            KeepFloat = settings.KeepFloat.Select(p => NodePattern.Parse(p)).ToArray(),
        };
    }
}
