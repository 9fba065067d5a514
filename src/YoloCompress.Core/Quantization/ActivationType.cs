namespace YoloCompress.Core.Quantization;

/// <summary>The integer type of quantized activations.</summary>
public enum ActivationType
{
    /// <summary>uint8 with a zero point (asymmetric): all 256 levels cover [min, max] even for one-sided
    /// tensors (SiLU outputs, images). The type ONNX Runtime's x86 integer kernels (u8 x s8) expect.</summary>
    Uint8,

    /// <summary>int8 symmetric around zero (zero point 0). ONNX Runtime fuses it into integer kernels on
    /// ARM; on x86 it keeps Conv in float unless the session sets <c>session.qdqisint8allowed</c> to 1.</summary>
    Int8,
}

/// <summary>The setting names of <see cref="ActivationType"/>.</summary>
public static class ActivationTypes
{
    public static string ToSettingName(this ActivationType type) => type == ActivationType.Int8 ? "int8" : "uint8";
}
