using Onnx;
using YoloCompress.Core.Patterns;
using YoloCompress.Core.OnnxModel;
using DataType = Onnx.TensorProto.Types.DataType;

namespace YoloCompress.Core.Quantization;

/// <summary>Weight-only int8 ("dynamic" in the sense that nothing is calibrated): each Conv weight is
/// stored int8 per output channel behind a DequantizeLinear (axis 0); biases and activations stay
/// float, so accuracy barely moves and the file shrinks about 4x. ONNX Runtime dequantizes the
/// weights at run time and convolves in float: smaller, not faster.</summary>
public static class WeightOnlyQuantizer
{
    public static QuantizationResult Quantize(ModelProto model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        QdqQuantizer.RequireOpset13(model);
        var result = model.Clone();
        var graph = result.Graph;
        var index = new GraphIndex(graph);
        var names = new UniqueNames(graph);
        var keepFloat = new KeepFloatRule(graph, options);
        var floatNodes = new List<FloatNodeRecord>();
        var weights = new List<WeightQuantizationRecord>();
        var nodes = new List<NodeProto>();
        var added = new List<TensorProto>();
        var removed = new HashSet<string>(StringComparer.Ordinal);

        foreach (var node in graph.Node)
        {
            if (node.OpType == "Conv")
            {
                string? reason = null;
                if (keepFloat.Reason(node) is { } kept) reason = kept;
                else if (node.Input.Count < 2 || index.Initializer(node.Input[1]) is not { DataType: (int)DataType.Float } w || w.Dims.Count < 3)
                    reason = "its weight is not a float initializer";
                else if (index.Consumers(node.Input[1]).Count > 1)
                    reason = $"its weight '{node.Input[1]}' is shared with another node";

                if (reason is not null) floatNodes.Add(KeepFloatRule.Record(node, reason));
                else
                {
                    var weight = index.Initializer(node.Input[1])!;
                    var (values, scales) = WeightQuantization.QuantizeWeight(weight);
                    var q = WeightQuantization.Int8(names.Take(weight.Name + "_quantized"), weight.Dims, values);
                    var scale = OnnxTensors.Float(names.Take(weight.Name + "_scale"), new long[] { scales.Length }, scales);
                    var output = names.Take(weight.Name + "_dequantized");
                    nodes.Add(OnnxNodes.Node("DequantizeLinear", names.Take(weight.Name + "_DequantizeLinear"),
                        new[] { q.Name, scale.Name }, new[] { output }, OnnxNodes.Int("axis", 0)));
                    added.AddRange(new[] { q, scale });
                    removed.Add(weight.Name);
                    node.Input[1] = output;
                    weights.Add(new WeightQuantizationRecord(NodePattern.NodeName(node), weight.Name, "int8", 0, scales.Length,
                        scales.Min(), scales.Max(), (float)scales.Average(), null, 0));
                }
            }
            nodes.Add(node);
        }

        OnnxGraphs.ReplaceContents(graph, nodes, t => !removed.Contains(t.Name), added);
        var report = new QuantizationReport
        {
            Mode = QuantizationMode.Int8WeightOnly.ToSettingName(),
            Weights = weights,
            FloatNodes = floatNodes,
            UnmatchedKeepFloat = keepFloat.UnmatchedPatterns,
        };
        return new QuantizationResult(result, report);
    }
}
