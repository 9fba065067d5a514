using Onnx;
using YoloCompress.Core.OnnxModel;
using DataType = Onnx.TensorProto.Types.DataType;

namespace YoloCompress.Core.Quantization;

/// <summary>The marking step of static quantization: which nodes are quantized, which tensors get a
/// Q/DQ pair, which of those share another tensor's parameters, and so which tensors need calibrating.
/// Computed from the float model and the options alone, before any calibration.</summary>
public sealed class QdqPlan
{
    private QdqPlan(ModelProto model, QuantizationOptions options) => (Model, Options) = (model, options);

    /// <summary>The float model this plan was made for.</summary>
    public ModelProto Model { get; }

    public QuantizationOptions Options { get; }

    /// <summary>Tensors whose ranges calibration must provide, in graph order.</summary>
    public IReadOnlyList<string> TensorsToCalibrate { get; private set; } = Array.Empty<string>();

    /// <summary>Every node left float, with the reason, in graph order.</summary>
    public IReadOnlyList<FloatNodeRecord> FloatNodes { get; private set; } = Array.Empty<FloatNodeRecord>();

    /// <summary>KeepFloat entries that matched no node (likely typos).</summary>
    public IReadOnlyList<string> UnmatchedKeepFloat { get; private set; } = Array.Empty<string>();

    /// <summary>Quantized nodes and how each is quantized.</summary>
    internal IReadOnlyDictionary<NodeProto, QdqOpKind> QuantizedNodes { get; private set; } = new Dictionary<NodeProto, QdqOpKind>();

    /// <summary>Quantized 1x1 convs whose output stays float (nothing integer reads it: the Detect convs when their
    /// weights are int8). As DQ -> Conv without a Q after, ONNX Runtime would run them as float convs, so the quantizer
    /// writes them as DQ -> MatMul, which it runs as one integer kernel with a float output (MatMulIntegerToFloat).</summary>
    internal IReadOnlySet<NodeProto> IntegerMatMulConvs { get; private set; } = new HashSet<NodeProto>();

    /// <summary>Every quantized activation tensor -> the tensor whose parameters it uses (itself, or for
    /// a pass-through op's output, the tensor its input took them from). Graph order.</summary>
    internal IReadOnlyList<KeyValuePair<string, string>> QuantizedTensors { get; private set; } = Array.Empty<KeyValuePair<string, string>>();

    /// <summary>Marks <paramref name="model"/> (float, BN folded) for static QDQ quantization.</summary>
    public static QdqPlan Create(ModelProto model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var types = TensorTypes.Infer(graph);
        var keepFloat = new KeepFloatRule(graph, options);
        var tailNodes = keepFloat.DecodeTail;
        var stem = graph.Node.Where(n => n.OpType == "Conv").Take(Math.Max(0, options.FloatStemConvs)).ToHashSet();
        var floatReasons = new Dictionary<NodeProto, string>();
        var quantized = new Dictionary<NodeProto, QdqOpKind>();

        bool IsActivation(string t) =>
            t.Length > 0 && !index.IsInitializer(t) && index.Producer(t)?.OpType != "Constant"
            && types.TryGetValue(t, out var type) && type == DataType.Float;

        // Whether a tensor comes out of a quantized node, looking through pass-through ops (decided in phase 2).
        bool ProducedQuantized(string tensor)
        {
            var producer = index.Producer(tensor);
            if (producer is null || floatReasons.ContainsKey(producer)) return false;
            if (quantized.ContainsKey(producer)) return true;
            return options.Registry.Find(producer.OpType) == QdqOpKind.PassThrough && producer.Input.Count > 0 && ProducedQuantized(producer.Input[0]);
        }

        // Phase 1: every node but the pass-through ops, which depend on their input being quantized.
        foreach (var node in graph.Node)
        {
            var kind = options.Registry.Find(node.OpType);
            string? reason = null;
            if (keepFloat.Reason(node) is { } kept)
                reason = kept;
            else if (kind is null)
                reason = $"op type {node.OpType} is not in the quantization registry";
            else if (kind == QdqOpKind.Conv && stem.Contains(node))
                reason = "stem conv, among the first from the input (FloatStemConvs)";
            else if (kind == QdqOpKind.Conv && options.HeadConvs != HeadConvPrecision.Int8 && IsHeadConv(node, index, tailNodes))
                reason = "head conv: only the decode tail reads it (HeadConvs)";
            else if (kind == QdqOpKind.Conv)
                reason = ConvProblem(node, index, IsActivation);
            else if (kind == QdqOpKind.Elementwise && node.Input.FirstOrDefault(i => !IsActivation(i)) is { } constant)
                reason = $"input '{constant}' is not a float activation (constant or non-float)";
            else if (kind == QdqOpKind.Elementwise && !node.Input.Any(ProducedQuantized))
                // Quantizing it would only add a Q per input: an element-wise op is as fast in float, and
                // ORT fuses float patterns there (SiLU after the float first conv becomes QuickGelu).
                reason = "all its inputs are float (integer regions start at a quantized conv)";
            else if (kind == QdqOpKind.PassThrough)
                continue;
            if (reason is null) quantized[node] = kind!.Value;
            else floatReasons[node] = reason;
        }

        // Phase 2: pass-through ops are quantized when their data input carries parameters anyway.
        foreach (var node in graph.Node)
        {
            if (quantized.ContainsKey(node) || floatReasons.ContainsKey(node)) continue;
            var input = node.Input.Count > 0 ? node.Input[0] : "";
            bool inputQuantized = IsActivation(input) && node.Output.All(IsFloatOutput) &&
                (index.Producer(input) is { } p && quantized.ContainsKey(p)
                 || index.Consumers(input).Any(c => quantized.TryGetValue(c, out var k) && k != QdqOpKind.PassThrough));
            if (inputQuantized) quantized[node] = QdqOpKind.PassThrough;
            else floatReasons[node] = "pass-through op whose input is not quantized";
        }

        bool IsFloatOutput(string o) => types.TryGetValue(o, out var t) && t == DataType.Float;

        // An int8 head conv whose input no other integer node reads would add a rounding of that activation (on yolov5n
        // the stride-32 features) for a small conv's worth of speed: it stays float.
        foreach (var node in graph.Node)
            if (options.HeadConvs == HeadConvPrecision.Int8 && quantized.ContainsKey(node) && IsHeadConv(node, index, tailNodes)
                && !index.Consumers(node.Input[0]).Any(c => c != node && quantized.ContainsKey(c)))
            {
                quantized.Remove(node);
                floatReasons[node] = "head conv whose input no other integer node reads (int8 would only add a rounding of it)";
            }

        bool ReadByQuantized(string tensor) => index.Consumers(tensor).Any(quantized.ContainsKey);

        // Phase 3: the tensors, in graph order, and where their parameters come from.
        var paramsFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        var ordered = new List<KeyValuePair<string, string>>();
        var calibrate = new List<string>();
        void Add(string tensor, string root)
        {
            if (!paramsFrom.TryAdd(tensor, root)) return;
            ordered.Add(KeyValuePair.Create(tensor, root));
            if (tensor == root) calibrate.Add(tensor);
        }
        foreach (var node in graph.Node)
        {
            if (!quantized.TryGetValue(node, out var kind)) continue;
            foreach (var input in ActivationInputs(node, kind))
                if (index.Producer(input) is not { } producer || !quantized.ContainsKey(producer))
                    Add(input, input);
            foreach (var output in node.Output.Where(o => o.Length > 0))
                if (options.QuantizeOutputsReadByFloatOnly || ReadByQuantized(output))
                    Add(output, kind == QdqOpKind.PassThrough ? paramsFrom[node.Input[0]] : output);
        }

        var matMulConvs = quantized.Where(p => p.Value == QdqOpKind.Conv && !paramsFrom.ContainsKey(p.Key.Output[0]) && IsPointwise(p.Key, index))
            .Select(p => p.Key).ToHashSet();

        return new QdqPlan(model, options)
        {
            TensorsToCalibrate = calibrate,
            IntegerMatMulConvs = matMulConvs,
            QuantizedNodes = quantized,
            QuantizedTensors = ordered,
            FloatNodes = graph.Node.Where(floatReasons.ContainsKey)
                .Select(n => KeepFloatRule.Record(n, floatReasons[n])).ToArray(),
            UnmatchedKeepFloat = keepFloat.UnmatchedPatterns,
        };
    }

    /// <summary>The inputs of a quantized node that carry per-tensor activation parameters.</summary>
    internal static IEnumerable<string> ActivationInputs(NodeProto node, QdqOpKind kind) => kind switch
    {
        QdqOpKind.Elementwise => node.Input,
        _ => node.Input.Take(1),
    };

    /// <summary>A 1x1 conv with stride 1, no padding and one group: a matrix product over channels.</summary>
    private static bool IsPointwise(NodeProto conv, GraphIndex index) =>
        index.Initializer(conv.Input[1]) is { Dims: [_, _, 1, 1] }
        && OnnxNodes.GetInt(conv, "group", 1) == 1
        && OnnxNodes.GetInts(conv, "strides", [1, 1]).All(v => v == 1)
        && OnnxNodes.GetInts(conv, "dilations", [1, 1]).All(v => v == 1)
        && OnnxNodes.GetInts(conv, "pads", [0, 0, 0, 0]).All(v => v == 0);

    /// <summary>A conv whose outputs are read, and only read, by decode-tail nodes.</summary>
    private static bool IsHeadConv(NodeProto node, GraphIndex index, HashSet<NodeProto> tail)
    {
        var readers = node.Output.SelectMany(index.Consumers).ToArray();
        return readers.Length > 0 && readers.All(tail.Contains);
    }

    private static string? ConvProblem(NodeProto node, GraphIndex index, Func<string, bool> isActivation)
    {
        if (node.Input.Count < 2 || !isActivation(node.Input[0]))
            return "its data input is not a float activation";
        if (index.Initializer(node.Input[1]) is not { DataType: (int)DataType.Float } weight || weight.Dims.Count < 3)
            return "its weight is not a float initializer";
        if (index.Consumers(node.Input[1]).Count > 1)
            return $"its weight '{node.Input[1]}' is shared with another node";
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            if (index.Initializer(node.Input[2]) is not { DataType: (int)DataType.Float } bias || bias.Dims.Count != 1 || bias.Dims[0] != weight.Dims[0])
                return "its bias is not a float initializer with one value per output channel";
            if (index.Consumers(node.Input[2]).Count > 1)
                return $"its bias '{node.Input[2]}' is shared with another node";
        }
        return null;
    }
}
