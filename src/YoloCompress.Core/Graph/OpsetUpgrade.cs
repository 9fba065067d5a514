using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>Brings an imported model from opset 11-16 to the opset our own graphs use (17), so every stage
/// (per-channel int8 QDQ needs 13) treats a reference export like a checkpoint's graph. Between 11 and 17
/// the ops YOLO exports hold changed only in where some arguments live: Split's sizes and Squeeze/Unsqueeze/
/// ReduceSum's axes moved from attributes to inputs at 13; that move is made here. A graph with an op whose
/// meaning changed (Softmax family over a non-last axis, Resize's removed tf_half_pixel_for_nn, Upsample) is
/// left at its opset, and stages that need a newer one say so.</summary>
internal static class OpsetUpgrade
{
    public const int Target = YoloGraphBuilder.Opset;

    /// <summary>Upgrades in place; returns the opset the model ends at.</summary>
    public static long Apply(ModelProto model)
    {
        var import = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (import is null || import.Version >= Target || import.Version < 11 || Blocker(model.Graph, import.Version) is not null)
            return import?.Version ?? 0;
        var names = new HashSet<string>(model.Graph.Initializer.Select(i => i.Name).Concat(model.Graph.Node.SelectMany(n => n.Output)), StringComparer.Ordinal);
        if (import.Version < 13)
            foreach (var node in model.Graph.Node)
            {
                string? moved = node.OpType switch
                {
                    "Split" => "split",
                    "Squeeze" or "Unsqueeze" or "ReduceSum" => "axes",
                    _ => null,
                };
                if (moved is null || OnnxNodes.Attribute(node, moved) is not { } attribute) continue;
                var name = Unique(names, $"{(node.Name.Length > 0 ? node.Name : node.Output[0])}_{moved}");
                model.Graph.Initializer.Add(OnnxTensors.Int64(name, [attribute.Ints.Count], attribute.Ints.ToArray()));
                node.Attribute.Remove(attribute);
                node.Input.Insert(1, name); // each of these ops has a single input before 13
            }
        import.Version = Target;
        if (model.IrVersion < 8) model.IrVersion = 8; // opset 17 needs IR version 8
        return Target;
    }

    /// <summary>Why the graph cannot be moved to <see cref="Target"/> by renaming arguments alone, or null.</summary>
    public static string? Blocker(GraphProto graph, long opset)
    {
        foreach (var node in graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx")) continue;
            if (node.OpType == "Upsample") return $"Upsample node '{node.Name}' (removed from ONNX)";
            if (opset < 13 && node.OpType is "Softmax" or "LogSoftmax" or "Hardmax" && OnnxNodes.GetInt(node, "axis", 1) != -1)
                return $"{node.OpType} node '{node.Name}' (its axis meant something else before opset 13)";
            if (node.OpType == "Resize" && OnnxNodes.Attribute(node, "coordinate_transformation_mode")?.S.ToStringUtf8() == "tf_half_pixel_for_nn")
                return $"Resize node '{node.Name}' (tf_half_pixel_for_nn was removed at opset 13)";
            if (node.Attribute.Any(a => a.Type == AttributeProto.Types.AttributeType.Graph || a.Type == AttributeProto.Types.AttributeType.Graphs))
                return $"{node.OpType} node '{node.Name}' (it holds a subgraph)";
        }
        return null;
    }

    private static string Unique(HashSet<string> names, string name)
    {
        var candidate = name;
        for (int i = 1; !names.Add(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }
}
