using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace YoloCompress.Core.Quantization;

/// <summary>Element types of a graph's tensors, propagated from inputs, initializers and a few ops
/// that change type. Enough to tell float activations from shape arithmetic (Shape -> Gather ->
/// Concat -> Reshape in exported graphs), which must never be quantized; not a full ONNX type
/// inference.</summary>
internal static class TensorTypes
{
    public static Dictionary<string, DataType> Infer(GraphProto graph)
    {
        var types = new Dictionary<string, DataType>(StringComparer.Ordinal);
        foreach (var input in graph.Input) types[input.Name] = (DataType)input.Type.TensorType.ElemType;
        foreach (var init in graph.Initializer) types[init.Name] = (DataType)init.DataType;
        foreach (var info in graph.ValueInfo)
            if (info.Type?.TensorType is { ElemType: > 0 } t) types[info.Name] = (DataType)t.ElemType;

        foreach (var node in graph.Node)
        {
            DataType? output = node.OpType switch
            {
                "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" => DataType.Int64,
                "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "And" or "Or" or "Not" or "Xor" or "IsNaN" or "IsInf" => DataType.Bool,
                "Cast" => (DataType)YoloCompress.Core.OnnxModel.OnnxNodes.GetInt(node, "to", (long)DataType.Float),
                "Constant" => YoloCompress.Core.OnnxModel.OnnxNodes.Attribute(node, "value") is { T: { } t } ? (DataType)t.DataType : DataType.Float,
                "ConstantOfShape" => YoloCompress.Core.OnnxModel.OnnxNodes.Attribute(node, "value") is { T: { } v } ? (DataType)v.DataType : DataType.Float,
                "QuantizeLinear" => node.Input.Count > 2 && types.TryGetValue(node.Input[2], out var zp) ? zp : DataType.Uint8,
                "DequantizeLinear" => DataType.Float,
                "Where" => node.Input.Count > 1 && types.TryGetValue(node.Input[1], out var w) ? w : null,
                _ => node.Input.Where(i => i.Length > 0).Select(i => types.TryGetValue(i, out var t) ? t : (DataType?)null).FirstOrDefault(),
            };
            if (output is null) continue;
            foreach (var o in node.Output)
                if (o.Length > 0 && !types.ContainsKey(o)) types[o] = output.Value;
        }
        return types;
    }
}
