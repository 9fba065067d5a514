using Onnx;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Tests.Pruning;

/// <summary>Makes channels of a dependency group carry exactly nothing, so that removing them must leave
/// a model's outputs unchanged.</summary>
internal static class ChannelZeroing
{
    /// <summary>Zeroes channels of a group in every producer (conv rows, depthwise rows, BN gamma/beta, biases),
    /// so they carry exactly zero after SiLU.</summary>
    public static void ZeroChannels(ModelProto model, PruningGroup group, IReadOnlyCollection<int> channels)
    {
        var index = new GraphIndex(model.Graph);
        foreach (var m in group.Members)
        {
            var node = model.Graph.Node.First(n => n.Name == m.Node);
            var zeroPositions = m.Positions.Where((_, i) => channels.Contains(m.Indices[i])).ToHashSet();
            switch (m.Role)
            {
                case MemberRole.ConvOutput or MemberRole.Depthwise:
                    bool axis1 = node.OpType == "ConvTranspose" && m.Role == MemberRole.ConvOutput;
                    ZeroAlong(model, index, node.Input[1], axis1 ? 1 : 0, zeroPositions);
                    if (node.Input.Count > 2) ZeroAlong(model, index, node.Input[2], 0, zeroPositions);
                    break;
                case MemberRole.BatchNorm:
                    ZeroAlong(model, index, node.Input[1], 0, zeroPositions);
                    ZeroAlong(model, index, node.Input[2], 0, zeroPositions);
                    break;
            }
        }
    }

    private static void ZeroAlong(ModelProto model, GraphIndex index, string name, int axis, HashSet<int> positions)
    {
        var t = index.Initializer(name)!;
        var data = OnnxTensors.ToFloatArray(t);
        var dims = t.Dims.ToArray();
        long outer = dims.Take(axis).Aggregate(1L, (a, b) => a * b), inner = dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        for (long o = 0; o < outer; o++)
            foreach (var p in positions)
                Array.Clear(data, (int)((o * dims[axis] + p) * inner), (int)inner);
        var replacement = OnnxTensors.Float(name, dims, data);
        int i = model.Graph.Initializer.IndexOf(t);
        model.Graph.Initializer[i] = replacement;
    }
}
