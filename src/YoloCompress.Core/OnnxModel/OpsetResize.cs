using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Resize across opsets 11 to 19: below 13 its roi and scales inputs are required (an empty tensor
/// where unused); 18 added antialias, axes and keep_aspect_ratio_policy; 19 the half_pixel_symmetric mode;
/// 13 dropped tf_half_pixel_for_nn.</summary>
internal static class OpsetResize
{
    public static void Rewrite(NodeProto node, int target, OpsetRewriter graph)
    {
        var mode = OnnxNodes.Attribute(node, "coordinate_transformation_mode")?.S.ToStringUtf8();
        if (mode == "half_pixel_symmetric" && target < 19)
            throw OpsetConversion.Error(target, $"node '{OpsetRewriter.NameOf(node)}' (Resize) uses coordinate_transformation_mode half_pixel_symmetric, which ONNX has from opset 19");
        if (mode == "tf_half_pixel_for_nn" && target >= 13)
            throw OpsetConversion.Error(target, $"node '{OpsetRewriter.NameOf(node)}' (Resize) uses coordinate_transformation_mode tf_half_pixel_for_nn, which ONNX removed in opset 13");
        if (target < 18)
        {
            graph.DropAttribute(node, "antialias", 0);
            graph.DropAttribute(node, "keep_aspect_ratio_policy", null);
            if (OnnxNodes.Attribute(node, "axes") is not null)
                throw OpsetConversion.Error(target, $"node '{OpsetRewriter.NameOf(node)}' (Resize) resizes chosen axes, which ONNX has from opset 18");
        }
        if (target >= 13) return;
        // Opset 11/12: X, roi, scales are required; sizes optional (scales then an empty tensor).
        while (node.Input.Count < 3) node.Input.Add("");
        for (int i = 1; i <= 2; i++)
        {
            if (node.Input[i].Length > 0) continue;
            var empty = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float };
            empty.Dims.Add(0);
            node.Input[i] = graph.AddInitializer($"{OpsetRewriter.NameOf(node)}.{(i == 1 ? "roi" : "scales")}", empty);
        }
    }
}
