using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Torch.Tests.Training;

/// <summary>yolov5n's working graph (BatchNorm separate, as the pruner sees it) at a few input sizes, read once,
/// and ONNX Runtime as the reference executor.</summary>
public static class Yolov5nGraphs
{
    private static readonly Lazy<YoloCheckpoint> Checkpoint = new(() => CheckpointReader.Read(TestData.Yolov5n));
    private static readonly Dictionary<int, ModelProto> BySize = [];

    public static ModelProto Working(int size)
    {
        lock (BySize)
        {
            if (!BySize.TryGetValue(size, out var model)) BySize[size] = model = YoloGraphBuilder.Build(Checkpoint.Value, size);
            return model;
        }
    }

    public static float[] Letterboxed(string image, int size) => CalibrationImages.Letterboxed([image], size).Single();

    /// <summary>coco128's image <paramref name="index"/> in name order, from the shipped coco16 (its first 16), so
    /// that these tests run on a clone without the shared data.</summary>
    public static string Coco(int index) =>
        Directory.GetFiles(Path.Combine(TestData.Coco16, "images"), "*.jpg").Order(StringComparer.Ordinal).ElementAt(index);

    public static float[] RunOnnxRuntime(ModelProto model, float[] input, int size)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var name = session.InputMetadata.Keys.First();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(input, [1, 3, size, size]))]);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
