namespace YoloCompress.Core.Quantization;

/// <summary>How a node of a given op type is quantized in QDQ form.</summary>
public enum QdqOpKind
{
    /// <summary>Activation input 0 per tensor, weight input 1 int8 per output channel (axis 0), bias
    /// input 2 int32 with scale input_scale * weight_scale[c]; output per tensor. ORT: QLinearConv.</summary>
    Conv,

    /// <summary>Every input and the output per tensor, each with its own scale. ORT: QLinearSigmoid
    /// (a lookup table), QLinearMul, QLinearAdd, QLinearConcat (requantizes inputs by table), ...</summary>
    Elementwise,

    /// <summary>Data input 0 as it arrives; every output reuses that input's scale and zero point. ORT
    /// drops the DQ/Q pair around such ops only when both carry the same parameters, and then runs them
    /// on the 8-bit data directly (MaxPool, nearest Resize, Reshape, Transpose...).</summary>
    PassThrough,
}

/// <summary>Which op types are quantized and how, keyed by op type. Op types not listed stay float.
/// The default lists the ops ONNX Runtime 1.31's CPU QDQ transformer fuses into integer kernels
/// (qdq_selector_action_transformer): quantizing an op ORT cannot fuse only adds a Q/DQ round trip.</summary>
public sealed class QdqOpRegistry
{
    private readonly SortedDictionary<string, QdqOpKind> _ops;

    private QdqOpRegistry(IEnumerable<KeyValuePair<string, QdqOpKind>> ops) =>
        _ops = new SortedDictionary<string, QdqOpKind>(ops.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);

    /// <summary>Conv; Sigmoid, Mul, Add, Concat, AveragePool, GlobalAveragePool, LeakyRelu, QuickGelu; MaxPool,
    /// Resize, Reshape, Transpose, Flatten, Squeeze, Unsqueeze, Slice as pass-through.</summary>
    /// <remarks>
    /// Sigmoid and Mul are quantized so that a SiLU between two convs stays in 8 bits
    /// (QLinearConv -> QLinearSigmoid -> QLinearMul -> QLinearConv, all NHWC with no transposes).
    /// Measured on yolov5n (one thread): that pair costs about 2.4x what float's fused QuickGelu costs
    /// (3.7 ms against 1.5 ms over the 54 integer SiLUs), but a float SiLU between integer convs is worse
    /// still: ORT gives each reader of a DequantizeLinear its own copy, so Sigmoid and Mul no longer
    /// share an input, QuickGelu is not fused, and a dequantize and a quantize pass are added (measured
    /// 0.79x float latency against 0.74x). The SiLU is what keeps int8 yolov5n above 0.7x float latency.
    /// Mul and Add are only fused on ORT's CPU provider. MatMul and Gemm are not listed: YOLOv5 has none.
    /// </remarks>
    public static QdqOpRegistry Default { get; } = new(new Dictionary<string, QdqOpKind>
    {
        ["Conv"] = QdqOpKind.Conv,
        ["Sigmoid"] = QdqOpKind.Elementwise,
        ["Mul"] = QdqOpKind.Elementwise,
        ["Add"] = QdqOpKind.Elementwise,
        ["Concat"] = QdqOpKind.Elementwise,
        ["AveragePool"] = QdqOpKind.Elementwise,
        ["GlobalAveragePool"] = QdqOpKind.Elementwise,
        ["LeakyRelu"] = QdqOpKind.Elementwise,
        // Not fused by ORT: a SiLU written as one node (SiluAsQuickGelu) runs float between its DQ and Q.
        ["QuickGelu"] = QdqOpKind.Elementwise,
        ["MaxPool"] = QdqOpKind.PassThrough,
        ["Resize"] = QdqOpKind.PassThrough,
        ["Reshape"] = QdqOpKind.PassThrough,
        ["Transpose"] = QdqOpKind.PassThrough,
        ["Flatten"] = QdqOpKind.PassThrough,
        ["Squeeze"] = QdqOpKind.PassThrough,
        ["Unsqueeze"] = QdqOpKind.PassThrough,
        ["Slice"] = QdqOpKind.PassThrough,
    });

    public QdqOpKind? Find(string opType) => _ops.TryGetValue(opType, out var kind) ? kind : null;
}
