using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.IO;

namespace YoloCompress.Core.Graph;

/// <summary>Checkpoint to ONNX in one call, as the reference exporter does: build, fold BatchNorm, write.</summary>
public static class OnnxExport
{
    /// <summary>Reads <paramref name="ptPath"/>, builds the graph at <paramref name="inputSize"/>, folds BN into the
    /// convolutions and writes <paramref name="onnxPath"/> atomically. The same checkpoint and size always give
    /// the same bytes. Returns the written model.</summary>
    public static ModelProto Export(string ptPath, string onnxPath, int? inputSize = null)
    {
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(ptPath), inputSize));
        AtomicFile.WriteAllBytes(onnxPath, model.ToByteArray());
        return model;
    }
}
