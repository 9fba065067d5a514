using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>The Detect decode's grid ([1, 1, cells, 2]) and anchor grid ([1, na, 1, 2]) constants, which the emitter
/// stores broadcastable (0.4 MB less a yolov5n model), written out at their full [1, na, cells, 2] instead. OpenCV 4.6's
/// DNN importer (the system OpenCV of Debian 12 and Ubuntu 22.04) cannot broadcast a constant along two axes of the other
/// input: its forward pass stops at the first decode Add. The expanded constants are what the reference exporter of
/// that era wrote, and every consumer reads them. Applied to models written at opset 12, the opset such apps ask for.</summary>
public static class DecodeConstants
{
    /// <summary>The highest opset whose models get expanded constants.</summary>
    public const int ExpandedUpToOpset = 12;

    /// <summary>Expands the decode constants of <paramref name="model"/> in place when its opset is at most
    /// <see cref="ExpandedUpToOpset"/>; per-image-shape models compute their grid and keep their anchor grid compact
    /// (OpenCV 4.6 does not take symbolic input shapes either).</summary>
    public static ModelProto ExpandForOldConsumers(ModelProto model)
    {
        if (model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version > ExpandedUpToOpset)
            return model;
        var initializers = model.Graph.Initializer;
        foreach (var grid in initializers.Where(t => t.Name.EndsWith(".grid", StringComparison.Ordinal) && t.Name.Contains(".decode.", StringComparison.Ordinal)
                     && t.Dims is [1, 1, _, 2] && t.DataType == (int)TensorProto.Types.DataType.Float).ToList())
        {
            var prefix = grid.Name[..^".grid".Length];
            var anchors = initializers.FirstOrDefault(t => t.Name == prefix + ".anchor_grid" && t.Dims is [1, _, 1, 2] && t.DataType == grid.DataType);
            if (anchors is null) continue;
            long na = anchors.Dims[1], cells = grid.Dims[2];
            var g = OnnxTensors.ToFloatArray(grid);
            var a = OnnxTensors.ToFloatArray(anchors);
            var fullGrid = new float[na * cells * 2];
            var fullAnchors = new float[na * cells * 2];
            for (long k = 0; k < na; k++)
                for (long c = 0; c < cells; c++)
                    for (int xy = 0; xy < 2; xy++)
                    {
                        fullGrid[(k * cells + c) * 2 + xy] = g[c * 2 + xy];
                        fullAnchors[(k * cells + c) * 2 + xy] = a[k * 2 + xy];
                    }
            Replace(initializers, grid, OnnxTensors.Float(grid.Name, [1, na, cells, 2], fullGrid));
            Replace(initializers, anchors, OnnxTensors.Float(anchors.Name, [1, na, cells, 2], fullAnchors));
        }
        return model;
    }

    private static void Replace(Google.Protobuf.Collections.RepeatedField<TensorProto> initializers, TensorProto old, TensorProto replacement) =>
        initializers[initializers.IndexOf(old)] = replacement;
}
