using Onnx;
using YoloCompress.Core.Onnx;

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

    /// <summary>MACs of each Conv/ConvTranspose node by name, from the spatial sizes of one forward pass.</summary>
    internal static Dictionary<string, long> MacsByNode(ModelProto model)
    {
        var convs = model.Graph.Node.Where(n => n.OpType is "Conv" or "ConvTranspose").ToArray();
        // A Conv's work scales with its output positions, a ConvTranspose's with its input positions.
        var tensors = convs.Select(n => n.OpType == "Conv" ? n.Output[0] : n.Input[0]).Distinct().ToArray();
        var planes = new Dictionary<string, long>();
        using (var collector = new ActivationCollector(model, tensors, threads: 1))
        {
            var input = new float[collector.InputShape.Aggregate(1L, (a, b) => a * b)];
            collector.Run(input, (name, _, shape) => planes[name] = shape.Skip(2).Aggregate(1L, (a, b) => a * b));
        }
        var index = new GraphIndex(model.Graph);
        return convs.ToDictionary(n => n.Name, n =>
        {
            var weight = index.Initializer(n.Input[1]);
            long perPosition = weight is null ? 0 : OnnxTensors.ElementCount(weight);
            return perPosition * planes[n.OpType == "Conv" ? n.Output[0] : n.Input[0]];
        });
    }
}
