using Onnx;
using YoloCompress.Core.Graph;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>Size and compute of a model: float parameters and the multiply-accumulates of its Conv and
/// ConvTranspose nodes (over 99% of a YOLOv5's work) at its declared input size, batch 1.</summary>
public sealed record ModelCost(long Parameters, long ConvMacs)
{
    /// <summary>GFLOPs as ultralytics counts them: two per multiply-accumulate.</summary>
    public double GFlops => 2.0 * ConvMacs / 1e9;

    public static ModelCost Of(ModelProto model)
    {
        long parameters = model.Graph.Initializer
            .Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).Sum(OnnxTensors.ElementCount);
        return new ModelCost(parameters, MacsByNode(model).Values.Sum());
    }

    /// <summary>MACs of each Conv/ConvTranspose node by name.</summary>
    internal static Dictionary<string, long> MacsByNode(ModelProto model) => ModelStatistics.ConvMacsByNode(model);

    /// <summary>The convolution MACs one channel of each group costs: for every conv the group's channels leave
    /// (as outputs, inputs or depthwise channels), that conv's MACs over its channel count on that side.</summary>
    internal static Dictionary<int, double> MacsPerChannel(ModelProto model, DependencyGraph graph)
    {
        var macs = MacsByNode(model);
        var index = graph.Index;
        var nodes = model.Graph.Node.Where(n => n.OpType is "Conv" or "ConvTranspose").ToDictionary(n => n.Name, StringComparer.Ordinal);
        var result = new Dictionary<int, double>();
        foreach (var group in graph.PrunableGroups)
        {
            double perChannel = 0;
            foreach (var m in group.Members)
            {
                if (m.Role is not (MemberRole.ConvOutput or MemberRole.ConvInput or MemberRole.Depthwise)) continue;
                var node = nodes[m.Node];
                var dims = index.Initializer(node.Input[1])!.Dims;
                bool transposed = node.OpType == "ConvTranspose";
                // Conv weights are [out, in / groups, ...], ConvTranspose's [in, out / groups, ...] (groups 1 here).
                long channels = m.Role != MemberRole.Depthwise && (m.Role == MemberRole.ConvInput ^ transposed) ? dims[1] : dims[0];
                perChannel += (double)macs[node.Name] / channels;
            }
            result[group.Id] = perChannel;
        }
        return result;
    }
}
