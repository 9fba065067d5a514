using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Evaluation;

/// <summary>The float yolov5n through <see cref="YoloDetector"/> reproduces what the reference
/// implementation detects on bus.jpg and zidane.jpg (reference/yolov5n-detections.json, shipped in samples/data: <see cref="ReferenceDetections"/>).</summary>
public class ReferenceDetectionTests
{
    [Theory]
    [MemberData(nameof(ReferenceDetections.Images), MemberType = typeof(ReferenceDetections))]
    public void Detect_ReproducesTheReferenceDetections(string file)
    {
        var reference = ReferenceDetections.For(file);
        using var detector = new YoloDetector(RealModel.FoldedYolov5n, new YoloDetectorOptions { IntraOpThreads = 1 });
        var image = RgbImage.Load(TestData.Reference(file));
        Assert.Equal((reference.Width, reference.Height), (image.Width, image.Height));

        var detections = detector.Detect(image, new DetectionOptions { Confidence = 0.25f, Iou = 0.45f });

        Assert.Equal(reference.Detections.Select(d => (d.Cls, d.Name)), detections.Select(d => (d.ClassId, d.Name)));
        for (int i = 0; i < detections.Count; i++)
        {
            var expected = reference.Detections[i];
            var actual = detections[i];
            Assert.True(Math.Abs(expected.Conf - actual.Confidence) <= 0.01f,
                $"{file} #{i} {actual.Name}: confidence {actual.Confidence:0.0000}, reference {expected.Conf:0.0000}");
            float[] box = [actual.Box.X1, actual.Box.Y1, actual.Box.X2, actual.Box.Y2];
            for (int k = 0; k < 4; k++)
                Assert.True(Math.Abs(expected.Xyxy[k] - box[k]) <= 2f,
                    $"{file} #{i} {actual.Name}: box {actual.Box}, reference [{string.Join(", ", expected.Xyxy)}]");
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceDetections.Images), MemberType = typeof(ReferenceDetections))]
    public void RawOutput_MatchesTheReferenceForwardPass(string file)
    {
        var reference = ReferenceDetections.For(file).RawOutput;
        using var detector = new YoloDetector(RealModel.FoldedYolov5n, new YoloDetectorOptions { IntraOpThreads = 1 });

        var (output, _) = detector.Run(RgbImage.Load(TestData.Reference(file)));

        Assert.Equal(reference.Shape, new[] { output.Rows, output.Columns });
        double sum = 0;
        int argMax = 0;
        for (int r = 0; r < output.Rows; r++)
        {
            var row = output.Row(r);
            foreach (var v in row) sum += v;
            if (row[4] > output.Row(argMax)[4]) argMax = r;
        }
        // The sum is dominated by box sizes in pixels; decoding and JPEG differences move it a little.
        Assert.InRange(sum, reference.Sum * 0.999, reference.Sum * 1.001);
        Assert.Equal(reference.MaxObjectness, output.Row(argMax)[4], 0.01f);
        Assert.Equal(reference.RowMaxObj, argMax);
        for (int k = 0; k < reference.Row0.Length; k++)
            Assert.Equal(reference.Row0[k], output.Row(0)[k], 0.02f);
    }
}
