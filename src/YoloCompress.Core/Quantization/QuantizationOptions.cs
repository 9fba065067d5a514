using YoloCompress.Core.Patterns;

namespace YoloCompress.Core.Quantization;

/// <summary>What to quantize and how: the settings Quantization, ActivationType and KeepFloat, typed, with their
/// defaults, and the fixed choices measured for YOLOv5.</summary>
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

    /// <summary>How many convs from the model input (the stem, in graph order) stay float. They run at the
    /// highest resolutions with the fewest channels: measured on yolov5n they are the most sensitive
    /// layers (keeping the first three float cuts the mAP loss from 0.8 to under 0.3 points), and ONNX Runtime's uint8 kernels
    /// gain least there (a 6x6 stride-2 conv over 3 channels runs 2x slower in uint8 than in float).
    /// The SiLUs after them then stay float too and fuse into QuickGelu, which is faster than the
    /// uint8 Sigmoid + Mul pair, so latency does not change (0.72x float either way). Default 3.</summary>
    public int FloatStemConvs { get; init; } = 3;

    /// <summary>The head convs: those whose outputs only the decode tail reads (YOLOv5's Detect convs). Their outputs are
    /// the raw logits the tail turns into pixel boxes through exponentials, so weight rounding there is not averaged out by
    /// later layers: on yolov5n their int8 weights cost as much accuracy as all other weights together, which is why they
    /// stay float unless a validation set shows otherwise. <see cref="HeadConvPrecision.Int8"/> writes them as integer MatMuls with a float output
    /// (<see cref="QdqPlan.IntegerMatMulConvs"/>), their weights rounded by <see cref="ErrorCompensatingRounding"/>.
    /// Setting <c>HeadConvs</c>. Default <see cref="HeadConvPrecision.Auto"/>: float heads unless a validation set shows int8
    /// ones cost at most half a point more.</summary>
    public HeadConvPrecision HeadConvs { get; init; } = HeadConvPrecision.Auto;

    /// <summary>Store the weights of convs kept float as float16, with a Cast that ONNX Runtime folds into a
    /// float32 constant when it loads the model (so the conv still runs its fastest float kernel).
    /// Halves what float layers add to the file; float16 rounding (11 bits) is far below int8's.
    /// Default true.</summary>
    public bool FloatWeightsAsFloat16 { get; init; } = true;

    /// <summary>Quantize a node's output even when only float nodes read it, e.g. the Detect convs'
    /// logits before the float decode tail. That lets ONNX Runtime fuse the producer into an integer
    /// kernel, at the cost of rounding values that nothing integer consumes: for the Detect convs, one
    /// 8-bit scale over box, objectness and class logits costs about 1 mAP point. Default false.</summary>
    public bool QuantizeOutputsReadByFloatOnly { get; init; }

    /// <summary>With int8-qat the weights learn to survive int8, so what PTQ keeps float for accuracy goes int8 too:
    /// the stem convs after the first (model.0's 3-channel conv stays float, slower in uint8 on ONNX Runtime) and the
    /// Detect convs' weights (their outputs stay float, as <see cref="QuantizeOutputsReadByFloatOnly"/> says).</summary>
    internal QuantizationOptions WithTrainedExtent() =>
        Mode == QuantizationMode.Int8Qat ? this with { FloatStemConvs = Math.Min(FloatStemConvs, 1), HeadConvs = HeadConvPrecision.Int8 } : this;

    /// <summary>Bits of the quantized conv weights (setting <c>WeightBits</c>): 8, or 4 (symmetric per channel, [-7, 7], stored
    /// as ONNX int4, which needs opset 21: the model is written at opset 21 at least). ONNX Runtime has no integer kernel for int4 conv weights: it dequantizes them and
    /// runs those convs in float, so 4 halves what the weights weigh and costs speed. The Detect convs written as integer
    /// MatMuls stay 8-bit (their kernel reads int8). Default 8.</summary>
    public int WeightBits { get; init; } = 8;

    /// <summary>The opset int4 tensors need.</summary>
    public const int Int4Opset = 21;

    /// <summary>Which op types are quantized. Default <see cref="QdqOpRegistry.Default"/>.</summary>
    public QdqOpRegistry Registry { get; init; } = QdqOpRegistry.Default;
}
