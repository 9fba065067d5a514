using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.IO;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>Checkpoint to ONNX in one call, as the reference exporter does: build, fold BatchNorm, write.</summary>
public static class OnnxExport
{
    /// <summary>Reads <paramref name="ptPath"/>, builds the graph at <paramref name="inputSize"/>, folds BN into the
    /// convolutions, moves it to <paramref name="opset"/> and writes <paramref name="onnxPath"/> atomically. The same
    /// checkpoint, size and opset always give the same bytes. Returns the written model.</summary>
    public static ModelProto Export(string ptPath, string onnxPath, int? inputSize = null, int opset = OpsetConversion.DefaultOpset)
    {
        return Write(BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(ptPath), inputSize)), onnxPath, opset);
    }

    /// <summary>Moves a folded graph to <paramref name="opset"/> and writes it to <paramref name="onnxPath"/> atomically.</summary>
    public static ModelProto Write(ModelProto folded, string onnxPath, int opset = OpsetConversion.DefaultOpset)
    {
        var model = DecodeConstants.ExpandForOldConsumers(OpsetConversion.Convert(folded, opset));
        AtomicFile.WriteAllBytes(onnxPath, OnnxSerializer.Serialize(model));
        return model;
    }
}
