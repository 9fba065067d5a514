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

    /// <summary>The <see cref="Int8"/> model after quantization-aware fine-tuning: the float weights learn, by
    /// distillation from the float model, to survive the int8 quantization the QDQ writer then applies (training backend).</summary>
    Int8Qat,
}

/// <summary>The setting names of <see cref="QuantizationMode"/>.</summary>
public static class QuantizationModes
{
    /// <summary>Static int8 QDQ with calibrated activations (with or without quantization-aware training).</summary>
    public static bool IsStaticInt8(this QuantizationMode mode) => mode is QuantizationMode.Int8 or QuantizationMode.Int8Qat;

    public static string ToSettingName(this QuantizationMode mode) => mode switch
    {
        QuantizationMode.None => "none",
        QuantizationMode.Int8 => "int8",
        QuantizationMode.Float16 => "fp16",
        QuantizationMode.Int8WeightOnly => "int8-weight-only",
        QuantizationMode.Int8Qat => "int8-qat",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
