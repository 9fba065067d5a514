using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>QuantizeLinear and DequantizeLinear across opsets: the axis attribute (one scale per channel)
/// came in 13, saturate (float8) in 19, block_size (blocked scales) and output_dtype in 21, precision in 23.
/// Moving down keeps the node when what it uses exists at the target, and names it when not.</summary>
internal static class OpsetQuantization
{
    public static void Rewrite(NodeProto node, int target, OpsetRewriter graph)
    {
        if (target < 23) graph.DropAttribute(node, "precision", 0);
        if (target < 21)
        {
            graph.DropAttribute(node, "block_size", 0);
            graph.DropAttribute(node, "output_dtype", 0);
        }
        if (target < 19) graph.DropAttribute(node, "saturate", 1);
        if (target >= 13) return;
        var scale = node.Input.Count > 1 ? graph.Constant(node.Input[1]) : null;
        if (scale is null || OnnxTensors.ElementCount(scale) != 1)
            throw OpsetConversion.Error(target, $"node '{OpsetRewriter.NameOf(node)}' ({node.OpType}) has " +
                (scale is null ? "a scale computed at run time" : "one scale per channel (an axis)") +
                ", which ONNX has from opset 13: use Opset=13 or later");
        graph.DropAttribute(node, "axis", null);
    }
}
