namespace YoloCompress.Core.Quantization;

/// <summary>How int8 quantization treats the head convs: those whose outputs only the decode tail reads (YOLOv5's
/// Detect convs). Setting <c>HeadConvs</c>.</summary>
public enum HeadConvPrecision
{
    /// <summary>Float convs (weights stored as float16): the raw logits the decode turns into boxes through
    /// exponentials keep full precision.</summary>
    Float,

    /// <summary>int8 weights per output channel, the input as the int8 region already holds it, the output float:
    /// written DQ -> MatMul, which ONNX Runtime runs as one integer kernel (MatMulIntegerToFloat).</summary>
    Int8,
}

/// <summary>The setting names of <see cref="HeadConvPrecision"/>.</summary>
public static class HeadConvPrecisions
{
    public static string ToSettingName(this HeadConvPrecision precision) => precision == HeadConvPrecision.Int8 ? "int8" : "float";
}
