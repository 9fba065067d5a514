using Google.Protobuf;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Evaluation;

/// <summary>The real yolov5n as the pipeline writes it (built from the checkpoint, BN folded),
/// built once per test run and shared by the tests that check figures against the reference.</summary>
internal static class RealModel
{
    private static readonly Lazy<byte[]> FoldedYolov5nBytes = new(() =>
        BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n), 640)).ToByteArray());

    public static byte[] FoldedYolov5n => FoldedYolov5nBytes.Value;
}
