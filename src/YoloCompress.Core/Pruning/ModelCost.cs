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
}
