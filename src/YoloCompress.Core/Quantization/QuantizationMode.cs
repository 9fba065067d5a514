namespace YoloCompress.Core.Quantization;

/// <summary>What the quantize stage does to the model (the Quantization setting).</summary>
public enum QuantizationMode
{
    /// <summary>Leave the model float32.</summary>
    None,

    /// <summary>Static int8: per-channel int8 weights, calibrated per-tensor activations, in QDQ form.</summary>
    Int8,

    /// <summary>float16 weights and activations; inputs and outputs stay float32.</summary>
    Float16,

    /// <summary>int8 weights dequantized in front of each Conv; activations stay float (no calibration).</summary>
    Int8WeightOnly,
}

/// <summary>The setting names of <see cref="QuantizationMode"/>.</summary>
public static class QuantizationModes
{
    public static IReadOnlyList<string> Names { get; } = new[] { "none", "int8", "fp16", "int8-weight-only" };

    /// <exception cref="ArgumentException">Unknown mode; the message names the setting.</exception>
    public static QuantizationMode Parse(string value, string settingName = "Quantization") =>
        value?.Trim().ToLowerInvariant() switch
        {
            "none" or "float32" or "fp32" => QuantizationMode.None,
            "int8" => QuantizationMode.Int8,
            "fp16" or "float16" => QuantizationMode.Float16,
            "int8-weight-only" => QuantizationMode.Int8WeightOnly,
            _ => throw new ArgumentException(
                $"Setting '{settingName}': unknown quantization '{value}'; expected one of {string.Join(", ", Names)}."),
        };

    public static string ToSettingName(this QuantizationMode mode) => mode switch
    {
        QuantizationMode.None => "none",
        QuantizationMode.Int8 => "int8",
        QuantizationMode.Float16 => "fp16",
        QuantizationMode.Int8WeightOnly => "int8-weight-only",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
