using System.Runtime.InteropServices;
using Onnx;
using OpenCvSharp;
using OpenCvSharp.Dnn;
using Xunit.Abstractions;
using YoloCompress.Core.IO;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Consumers;

/// <summary>A second runtime: OpenCV's DNN module (through OpenCvSharp, the engine .NET users of OpenCV get)
/// loads every kind of output, at the default opset and at the oldest each allows, and computes ONNX
/// Runtime's raw output and detections from the same letterboxed image.</summary>
[Collection(ConsumerCollection.Name)]
public sealed class OpenCvParityTests(ConsumerOutputs outputs, ITestOutputHelper log)
{
    /// <summary>Kind, opset, and what may differ from ONNX Runtime: box coordinates in input pixels and scores
    /// (objectness, class; absolute) on the confident rows, and the least IoU of matched detections. Float and
    /// float16 differ only by the order of the sums (OpenCV runs float16 weights in float32); int8 by how
    /// each engine rounds its integer convolutions and activations (OpenCV fuses QDQ into its own int8 layers).</summary>
    public static TheoryData<string, int, double, double, double> Models => new()
    {
        { "float", 17, 0.05, 1e-3, 0.999 },
        { "float", 12, 0.05, 1e-3, 0.999 },
        { "fp16", 17, 0.5, 0.01, 0.999 },
        { "fp16", 12, 0.5, 0.01, 0.999 },
        { "int8", 17, 20, 0.1, 0.95 },
        { "int8", 13, 20, 0.1, 0.95 },
        { "int8-weight-only", 17, 0.05, 1e-3, 0.999 },
        { "pruned", 12, 0.05, 1e-3, 0.999 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void OpenCv_dnn_gives_onnx_runtimes_output_and_detections(string kind, int opset, double boxTolerance, double scoreTolerance, double minIou)
    {
        var path = AtOpset(kind, opset);
        var image = RgbImage.Load(TestData.Reference("bus.jpg"));
        using var detector = new YoloDetector(path, new YoloDetectorOptions { IntraOpThreads = 1 });
        var (tensor, _) = Letterbox.Apply(image, detector.InputWidth, detector.InputHeight);
        var expected = detector.Run(tensor).ToArray();
        var actual = RunOpenCv(path, tensor, detector.InputHeight, detector.InputWidth);
        Assert.Equal(expected.Length, actual.Length);

        // Raw output on the rows that can become detections (objectness at least the confidence threshold):
        // elsewhere int8 rounding moves boxes nobody keeps.
        int columns = detector.OutputColumns;
        double boxDiff = 0, scoreDiff = 0;
        int confident = 0;
        for (int row = 0; row < expected.Length / columns; row++)
        {
            if (expected[row * columns + 4] < new DetectionOptions().Confidence) continue;
            confident++;
            for (int c = 0; c < columns; c++)
            {
                var d = Math.Abs(expected[row * columns + c] - actual[row * columns + c]);
                if (c < 4) boxDiff = Math.Max(boxDiff, d);
                else scoreDiff = Math.Max(scoreDiff, d);
            }
        }
        log.WriteLine($"{kind} opset {opset}: {confident} confident rows, largest box difference {boxDiff:G3} px, score difference {scoreDiff:G3}");
        Assert.True(confident > 10, $"{confident} rows with objectness over the threshold");
        Assert.True(boxDiff <= boxTolerance, $"{kind} opset {opset}: box coordinates differ by up to {boxDiff} px");
        Assert.True(scoreDiff <= scoreTolerance, $"{kind} opset {opset}: scores differ by up to {scoreDiff}");

        var ort = NonMaxSuppression.Apply(expected, columns, new DetectionOptions(), detector.Names);
        var cv = NonMaxSuppression.Apply(actual, columns, new DetectionOptions(), detector.Names);
        log.WriteLine("onnx runtime: " + string.Join("; ", ort));
        log.WriteLine("opencv:       " + string.Join("; ", cv));
        Assert.True(ort.Count >= 4, $"{ort.Count} detections on bus.jpg");
        Assert.Equal(ort.Select(d => d.Name), cv.Select(d => d.Name));
        foreach (var (o, c) in ort.Zip(cv))
        {
            Assert.True(Math.Abs(o.Confidence - c.Confidence) <= scoreTolerance, $"{o} against {c}");
            Assert.True(Core.Evaluation.DetectionMatcher.BoxIou(o.Box, c.Box) >= minIou, $"{o} against {c}");
        }
    }

    /// <summary>OpenCV's forward pass over an NCHW float blob holding <paramref name="chw"/>.</summary>
    private static float[] RunOpenCv(string path, float[] chw, int height, int width)
    {
        using var net = CvDnn.ReadNetFromOnnx(path) ?? throw new InvalidOperationException($"OpenCV did not load {path}");
        Assert.False(net.Empty());
        using var blob = new Mat([1, 3, height, width], MatType.CV_32F);
        Marshal.Copy(chw, 0, blob.Data, chw.Length);
        net.SetInput(blob);
        using var output = net.Forward();
        Assert.True(output.IsContinuous());
        var values = new float[output.Total()];
        Marshal.Copy(output.Data, values, 0, values.Length);
        return values;
    }

    private string AtOpset(string kind, int opset)
    {
        var source = outputs.Path(kind);
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(source));
        if (OpsetConversion.OpsetOf(model) == opset) return source;
        var path = Path.Combine(outputs.Folder, $"{kind}-opset{opset}.onnx");
        AtomicFile.WriteAllBytes(path, OnnxSerializer.Serialize(OpsetConversion.Convert(model, opset)));
        return path;
    }
}
