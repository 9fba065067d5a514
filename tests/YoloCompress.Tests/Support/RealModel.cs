using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;

namespace YoloCompress.Tests.Support;

/// <summary>The real yolov5n as the pipeline writes it (built from the shipped checkpoint at 640, BN
/// folded), built once per test run and shared by the tests that check figures against the reference.</summary>
internal static class RealModel
{
    private static readonly Lazy<ModelProto> FoldedYolov5nModel = new(() =>
        BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n), 640)));

    private static readonly Lazy<byte[]> FoldedYolov5nBytes = new(() => FoldedYolov5nModel.Value.ToByteArray());

    /// <summary>The model; callers must not change it (clone it first).</summary>
    public static ModelProto FoldedYolov5nGraph => FoldedYolov5nModel.Value;

    public static byte[] FoldedYolov5n => FoldedYolov5nBytes.Value;
}
