using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;

namespace YoloCompress.Core.Pipeline;

/// <summary>A model to work on, from either kind of input the tool accepts: an ultralytics
/// checkpoint (rebuilt as our working graph, BatchNorm still separate) or an ONNX model exported by
/// the reference tool (BatchNorm already folded).</summary>
public sealed record ModelSource(string Path, ModelProto WorkingGraph, YoloCheckpoint? Checkpoint)
{
    public bool IsCheckpoint => Checkpoint is not null;

    /// <summary>The square input the working graph takes (its input's last dimension), or 640 when the graph
    /// leaves it symbolic.</summary>
    public int InputSize =>
        WorkingGraph.Graph.Input[0].Type?.TensorType?.Shape?.Dim is { Count: 4 } dims && dims[3].DimValue > 0 ? (int)dims[3].DimValue : 640;

    /// <summary>The graph as it is written out: BatchNorm folded into the convolutions.</summary>
    public ModelProto Folded() => BatchNormFolding.Fold(WorkingGraph);

    /// <param name="inputSize">The size to build a checkpoint at; null for the checkpoint's own
    /// (<see cref="YoloCheckpoint.DefaultInputSize"/>).</param>
    public static ModelSource Load(string path, int? inputSize = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model '{path}' does not exist.", path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            ModelProto model;
            try
            {
                using var stream = File.OpenRead(path);
                model = ModelProto.Parser.ParseFrom(stream);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException e)
            {
                throw new InvalidDataException($"Model '{path}' is not a valid ONNX file: {e.Message}", e);
            }
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new InvalidDataException($"Model '{path}' has an empty graph.");
            OnnxInputShape.FixSymbolicDims(model, inputSize, path);
            OpsetUpgrade.Apply(model);
            return new ModelSource(path, model, null);
        }
        var checkpoint = CheckpointReader.Read(path);
        return new ModelSource(path, YoloGraphBuilder.Build(checkpoint, inputSize), checkpoint);
    }
}
