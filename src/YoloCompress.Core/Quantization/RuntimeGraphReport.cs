using Microsoft.ML.OnnxRuntime;
using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Quantization;

/// <summary>A node ONNX Runtime runs in float between integer kernels: it is fed by a DequantizeLinear of an
/// integer kernel's output and feeds a QuantizeLinear. <paramref name="Node"/> is the node's name in the
/// optimized graph (ORT keeps the source name of a node it did not fuse).</summary>
public sealed record FloatIsland(string Node, string OpType);

/// <summary>What ONNX Runtime actually runs for a model: the graph its optimizers leave (written through
/// SessionOptions.OptimizedModelFilePath, at ORT_ENABLE_ALL for the CPU provider, and read back), with its
/// nodes sorted into integer kernels, float compute, QuantizeLinear/DequantizeLinear and layout changes.
/// A QDQ model says what should be integer; only this says what the runtime fused.</summary>
public sealed class RuntimeGraphReport
{
    private static readonly HashSet<string> IntegerOps = new(StringComparer.Ordinal)
    {
        "ConvInteger", "MatMulInteger", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QGemm", "QAttention",
        "QEmbedLayerNormalization", "NhwcMaxPool",
    };

    private static readonly HashSet<string> LayoutOps = new(StringComparer.Ordinal) { "Transpose", "ReorderInput", "ReorderOutput" };

    /// <summary>Op type -> count of integer kernels (QLinear*, ConvInteger, MatMulInteger, ...).</summary>
    public required SortedDictionary<string, int> IntegerKernels { get; init; }

    /// <summary>Op type -> count of the float nodes that compute (everything not integer, Q/DQ or layout).</summary>
    public required SortedDictionary<string, int> FloatNodes { get; init; }

    public required int QuantizeLinear { get; init; }

    /// <summary>DequantizeLinear nodes left in the optimized graph.</summary>
    public required int DequantizeLinear { get; init; }

    /// <summary>Transposes and NCHWc reorders, each as "Transpose name: producer -> consumers".</summary>
    public required IReadOnlyList<string> LayoutNodes { get; init; }

    /// <summary>Transposes between two integer kernels (producer and every consumer integer), named like
    /// <see cref="LayoutNodes"/>: layout the NHWC transformer could not push out of the integer region.</summary>
    public required IReadOnlyList<string> StrayTransposes { get; init; }

    /// <summary>Float nodes sandwiched between integer kernels (DQ before, Q after), in graph order.</summary>
    public required IReadOnlyList<FloatIsland> FloatIslands { get; init; }

    /// <summary>Opens <paramref name="model"/> in an ORT CPU session (one thread, all optimizations) that writes
    /// its optimized graph to a temporary file, and reads that graph.</summary>
    public static RuntimeGraphReport Analyze(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var optimized = Path.Combine(Path.GetTempPath(), $"yolocompress-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                OptimizedModelFilePath = optimized,
                IntraOpNumThreads = 1,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            })
            using (new InferenceSession(model, options)) { }
            return Of(ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph);
        }
        finally
        {
            File.Delete(optimized);
        }
    }

    /// <summary>Classifies the nodes of an already optimized graph.</summary>
    public static RuntimeGraphReport Of(GraphProto graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var index = new GraphIndex(graph);
        var integer = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var floats = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var layout = new List<string>();
        var islands = new List<FloatIsland>();
        var stray = new List<string>();
        int quantize = 0, dequantize = 0;
        foreach (var node in graph.Node)
        {
            switch (Classify(node.OpType))
            {
                case Kind.Integer: integer[node.OpType] = integer.GetValueOrDefault(node.OpType) + 1; break;
                case Kind.Quantize: quantize++; break;
                case Kind.Dequantize: dequantize++; break;
                case Kind.Layout:
                    layout.Add(DescribeLayout(node, index));
                    if (node.OpType == "Transpose" && IsStray(node, index)) stray.Add(layout[^1]);
                    break;
                default:
                    floats[node.OpType] = floats.GetValueOrDefault(node.OpType) + 1;
                    if (IsIsland(node, index)) islands.Add(new FloatIsland(node.Name, node.OpType));
                    break;
            }
        }
        return new RuntimeGraphReport
        {
            IntegerKernels = integer, FloatNodes = floats, QuantizeLinear = quantize, DequantizeLinear = dequantize,
            LayoutNodes = layout, StrayTransposes = stray, FloatIslands = islands,
        };
    }

    /// <summary>"54 integer kernels (QLinearConv 54, ...), 9 float (Conv 6, ...), 3 Q, 2 DQ, 11 Transpose/reorder (0 between integer kernels), 0 float islands".</summary>
    public override string ToString() =>
        $"{IntegerKernels.Values.Sum()} integer kernels ({Counts(IntegerKernels)}), {FloatNodes.Values.Sum()} float ({Counts(FloatNodes)}), "
        + $"{QuantizeLinear} Q, {DequantizeLinear} DQ, {LayoutNodes.Count} Transpose/reorder ({StrayTransposes.Count} between integer kernels), {FloatIslands.Count} float islands";

    private static string Counts(SortedDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));

    private enum Kind { Integer, Quantize, Dequantize, Layout, Float }

    private static Kind Classify(string opType) => opType switch
    {
        "QuantizeLinear" or "DynamicQuantizeLinear" => Kind.Quantize,
        "DequantizeLinear" => Kind.Dequantize,
        _ when opType.StartsWith("QLinear", StringComparison.Ordinal) || IntegerOps.Contains(opType) => Kind.Integer,
        _ when LayoutOps.Contains(opType) => Kind.Layout,
        _ => Kind.Float,
    };

    /// <summary>Reads (looking through layout nodes) a DQ of an integer kernel's output and feeds a Q.</summary>
    private static bool IsIsland(NodeProto node, GraphIndex index)
    {
        bool fedByInteger = node.Input.Any(i => Upstream(i, index) is { OpType: "DequantizeLinear" } dq
            && Upstream(dq.Input[0], index) is { } p && Classify(p.OpType) == Kind.Integer);
        bool feedsQuantize = node.Output.SelectMany(index.Consumers).Any(c => Downstream(c, index).OpType == "QuantizeLinear");
        return fedByInteger && feedsQuantize;
    }

    private static bool IsStray(NodeProto transpose, GraphIndex index)
    {
        var consumers = transpose.Output.SelectMany(index.Consumers).ToArray();
        return index.Producer(transpose.Input[0]) is { } p && Classify(p.OpType) == Kind.Integer
            && consumers.Length > 0 && consumers.All(c => Classify(c.OpType) == Kind.Integer);
    }

    private static string DescribeLayout(NodeProto node, GraphIndex index)
    {
        static string Name(NodeProto n) => n.Name.Length > 0 ? $"{n.OpType} {n.Name}" : n.OpType;
        var from = node.Input.Count > 0 && index.Producer(node.Input[0]) is { } p ? Name(p) : "graph input";
        var to = node.Output.SelectMany(index.Consumers).Select(Name).ToArray();
        return $"{Name(node)}: {from} -> {(to.Length == 0 ? "graph output" : string.Join(", ", to))}";
    }

    private static NodeProto? Upstream(string tensor, GraphIndex index)
    {
        var producer = index.Producer(tensor);
        while (producer is not null && Classify(producer.OpType) == Kind.Layout && producer.Input.Count > 0)
            producer = index.Producer(producer.Input[0]);
        return producer;
    }

    private static NodeProto Downstream(NodeProto node, GraphIndex index)
    {
        while (Classify(node.OpType) == Kind.Layout && node.Output.Count > 0 && index.Consumers(node.Output[0]) is [var only])
            node = only;
        return node;
    }
}
