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

    /// <summary>Chosen per model by the compression pipeline: <see cref="Int8"/> when a validation set shows it costs at
    /// most <see cref="HeadConvPrecisions.AutoMaxExtraDrop"/> of mAP@0.5:0.95 beyond <see cref="Float"/>'s (and stays within MaxMapDrop),
    /// else <see cref="Float"/>; <see cref="Float"/> without a validation set. The quantizer itself treats it as Float.</summary>
    Auto,
}

/// <summary>The setting names of <see cref="HeadConvPrecision"/>.</summary>
public static class HeadConvPrecisions
{
    /// <summary>The largest extra mAP@0.5:0.95 drop (absolute) <see cref="HeadConvPrecision.Auto"/> accepts for int8 heads.</summary>
    public const double AutoMaxExtraDrop = 0.005;

    public static string ToSettingName(this HeadConvPrecision precision) => precision switch
    {
        HeadConvPrecision.Int8 => "int8",
        HeadConvPrecision.Auto => "auto",
        _ => "float",
    };
}
