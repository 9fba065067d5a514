using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Quantization;

/// <summary>Static int8 on the real checkpoints: what ONNX Runtime runs, file size, and agreement of
/// int8 detections with float detections on coco128 images (the custom checkpoints have no labels
/// for coco, so agreement with their own float model is the check).</summary>
public class RealModelQuantizationTests(ITestOutputHelper output)
{
    private static readonly string[] Images = Directory.GetFiles(Path.Combine(TestData.Coco128, "images", "train2017"), "*.jpg")
        .Order(StringComparer.Ordinal).ToArray();

    private static ModelProto Float(string checkpoint) =>
        BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(checkpoint), 640));

    /// <summary>Calibrates on 16 images (every 8th) and quantizes with the default settings.</summary>
    private static QuantizationResult Int8(ModelProto model) =>
        ModelQuantizer.Quantize(model, new CompressionSettings(),
            CalibrationImages.Letterboxed(Images.Where((_, i) => i % 8 == 0).ToArray(), 640));

    [Fact]
    public void Yolov5n_BodyRunsInIntegerKernelsAndTheFileShrinksBelow30Percent()
    {
        var model = Float(TestData.Yolov5n);
        var result = Int8(model);

        var floatBytes = model.ToByteArray().Length;
        var int8Bytes = result.Model.ToByteArray().Length;
        output.WriteLine($"float {floatBytes} bytes, int8 {int8Bytes} bytes ({100.0 * int8Bytes / floatBytes:0.0}%)");
        Assert.InRange(int8Bytes, 0, 0.30 * floatBytes);

        // Float by design: the decode tail, the first conv, the three Detect convs.
        var reasons = result.Report.FloatNodes.GroupBy(f => f.Reason.Split(':', '(')[0].Trim()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, reasons["reads the model input"]);
        Assert.Equal(3, reasons["head conv"]);
        Assert.Equal(result.Report.FloatNodes.Count, reasons["reads the model input"] + reasons["head conv"] + reasons["decode tail"]);
        Assert.Equal(new[] { "model.0.conv", "model.24.m.0", "model.24.m.1", "model.24.m.2" },
            result.Report.FloatNodes.Where(f => f.OpType == "Conv").Select(f => f.Node));

        var ops = TinyModels.OptimizedOps(result.Model);
        int convs = model.Graph.Node.Count(n => n.OpType == "Conv");
        Assert.Equal(convs - 4, ops.GetValueOrDefault("QLinearConv"));
        // 57 SiLUs; the last one (model.23.cv3) feeds only the float Detect conv, so its Mul output stays
        // float and that Mul computes in float from dequantized inputs.
        Assert.Equal((57, 56), (ops.GetValueOrDefault("QLinearSigmoid"), ops.GetValueOrDefault("QLinearMul")));
        Assert.Equal(13, ops.GetValueOrDefault("QLinearConcat"));
        Assert.Equal(result.Report.Weights.Count, convs - 4);
        Assert.All(result.Report.Activations, a => Assert.True(a.Scale > 0 && a.Min <= 0 && a.Max >= 0, a.Tensor));
    }

    [Theory]
    [InlineData("yolov5n.pt")]
    [InlineData("yolov5n-face-1cls.pt")]
    [InlineData("yolov5n-shopping-2cls.pt")]
    public void Int8Detections_AgreeWithFloatDetections(string checkpoint)
    {
        var model = Float(TestData.Weights(checkpoint));
        var int8 = Int8(model);
        using var f = new YoloDetector(model.ToByteArray(), new YoloDetectorOptions { IntraOpThreads = 1 });
        using var q = new YoloDetector(int8.Model.ToByteArray(), new YoloDetectorOptions { IntraOpThreads = 1 });

        int floatCount = 0, int8Count = 0, matched = 0;
        double scoreError = 0;
        var correlations = new List<double>();
        var test = Images.Where((_, i) => i % 4 == 2).Take(24).ToArray(); // none of them calibrated
        var options = new DetectionOptions { Confidence = 0.1f };
        foreach (var path in test)
        {
            var image = RgbImage.Load(path);
            var fd = f.Detect(image, options);
            var qd = q.Detect(image, options);
            floatCount += fd.Count;
            int8Count += qd.Count;
            var used = new bool[qd.Count];
            foreach (var d in fd.OrderByDescending(d => d.Confidence))
            {
                int best = -1;
                float bestIou = 0.5f;
                for (int k = 0; k < qd.Count; k++)
                    if (!used[k] && qd[k].ClassId == d.ClassId && BoundingBox.IoU(qd[k].Box, d.Box) > bestIou)
                        (best, bestIou) = (k, BoundingBox.IoU(qd[k].Box, d.Box));
                if (best < 0) continue;
                used[best] = true;
                matched++;
                scoreError += Math.Abs(qd[best].Confidence - d.Confidence);
            }
            if (ObjectnessCorrelation(f.Run(image).Output.Values.ToArray(), q.Run(image).Output.Values.ToArray(), f.OutputColumns) is { } c)
                correlations.Add(c);
        }
        double correlation = correlations.Average();
        output.WriteLine($"{checkpoint}: float {floatCount}, int8 {int8Count}, matched {matched}, mean |score diff| {scoreError / Math.Max(1, matched):0.000}, objectness correlation {correlation:0.0000}");

        // Raw outputs: objectness follows the float model wherever either model sees something (0.99 for
        // yolov5n; about 0.95 for the custom models, for which coco images hold little but faint guesses).
        Assert.InRange(correlation, 0.93, 1.0);
        // Detections at 0.1: most float detections have an int8 twin (same class, IoU > 0.5, close score);
        // the rest sit near the threshold and flip either way.
        Assert.True(floatCount >= 3, $"too few float detections ({floatCount}) to compare");
        Assert.InRange((double)matched / floatCount, 0.8, 1.0);
        Assert.InRange((double)matched / Math.Max(1, int8Count), 0.8, 1.0);
        Assert.InRange(scoreError / matched, 0, 0.08);
    }

    /// <summary>Pearson correlation of objectness over the anchors where either model exceeds 0.01;
    /// null when fewer than 20 anchors do (an image with nothing in it for this model).</summary>
    private static double? ObjectnessCorrelation(float[] a, float[] b, int columns)
    {
        int rows = a.Length / columns;
        double ma = 0, mb = 0;
        var keep = Enumerable.Range(0, rows).Where(r => Math.Max(a[r * columns + 4], b[r * columns + 4]) > 0.01f).ToArray();
        if (keep.Length < 20) return null;
        foreach (int r in keep) { ma += a[r * columns + 4]; mb += b[r * columns + 4]; }
        ma /= keep.Length; mb /= keep.Length;
        double sab = 0, saa = 0, sbb = 0;
        foreach (int r in keep)
        {
            double x = a[r * columns + 4] - ma, y = b[r * columns + 4] - mb;
            sab += x * y; saa += x * x; sbb += y * y;
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
