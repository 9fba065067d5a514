using Onnx;

namespace YoloCompress.Core.Pruning;

/// <summary>Physically removes the channels a plan drops: a copy of the model with every affected
/// initializer sliced, group/split/size attributes rewritten and intermediate shapes updated.</summary>
internal static class ChannelSlicer
{
    /// <param name="keptPositions">For every tensor that lost channels, the original positions it keeps, ascending.</param>
    public static ModelProto Apply(DependencyGraph dependencies, PrunePlan plan, out IReadOnlyDictionary<string, int[]> keptPositions)
    {
        var model = dependencies.Model.Clone();
        var slice = new SliceContext(model.Graph, dependencies, plan);
        foreach (var node in model.Graph.Node)
            ChannelRules.For(node.OpType).Apply(node, slice);
        var kept = new Dictionary<string, int[]>();
        foreach (var tensor in dependencies.TensorsWithLayout)
            if (slice.Kept(tensor) is { } k) kept[tensor] = k;
        foreach (var info in model.Graph.ValueInfo)
        {
            if (!kept.TryGetValue(info.Name, out var k)) continue;
            var dims = info.Type?.TensorType?.Shape?.Dim;
            if (dims is { Count: > 1 }) dims[1].DimValue = k.Length;
        }
        keptPositions = kept;
        return model;
    }
}
