using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime.Apps;

/// <summary>Several threads on one detector, and lists of images, give the detections of one call at a time.</summary>
public class ThroughputTests
{
    private static readonly Lazy<RgbImage[]> Images = new(() =>
        new[] { TestData.Reference("bus.jpg"), TestData.Reference("zidane.jpg") }
            .Concat(Directory.GetFiles(Path.Combine(TestData.Coco16, "images"), "*.jpg").Order(StringComparer.Ordinal).Take(4))
            .Select(RgbImage.Load).ToArray());

    [Fact]
    public async Task ConcurrentDetects_OnOneDetector_GiveTheSequentialDetections()
    {
        using var detector = new YoloDetector(RealModel.FoldedYolov5n, new YoloDetectorOptions { IntraOpThreads = 1 });
        var images = Images.Value;
        var expected = images.Select(image => detector.Detect(image)).ToArray();

        // Four threads, each through every image from a different start, at once: every call borrows its own buffers.
        using var start = new Barrier(4);
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            return Enumerable.Range(0, images.Length).Select(k => (worker + k) % images.Length)
                .Select(i => (Index: i, Detections: detector.Detect(images[i]))).ToArray();
        }, TaskCreationOptions.LongRunning)).ToArray();

        foreach (var (index, detections) in (await Task.WhenAll(workers)).SelectMany(w => w))
            Assert.Equal(expected[index], detections);
        Assert.Contains(expected, d => d.Count > 0);
    }

    [Fact]
    public void ABatch_OnAModelWithADynamicBatch_GivesTheOneByOneDetections()
    {
        // The pipeline's model has a symbolic batch: chunks of up to 4 run as one [n, 3, 640, 640] tensor (6 images: 4 + 2).
        using var detector = new YoloDetector(RealModel.FoldedYolov5n, new YoloDetectorOptions { IntraOpThreads = 1, MaxBatchSize = 4 });
        Assert.True(detector.HasDynamicBatch);
        var images = Images.Value;
        var oneByOne = images.Select(image => detector.Detect(image)).ToArray();

        var batched = detector.Detect(images);

        Assert.Equal(images.Length, batched.Count);
        for (int i = 0; i < images.Length; i++)
            AssertSameDetections(oneByOne[i], batched[i]);

        // Raw frames batch the same way.
        var frames = images.Select(image => Frames.From(image, PixelFormat.Bgr24, 5)).Select(f => new Frame(f.Pixels, f.Layout)).ToArray();
        var framesBatched = detector.Detect(frames);
        for (int i = 0; i < images.Length; i++)
            AssertSameDetections(oneByOne[i], framesBatched[i]);
    }

    [Fact]
    public void ABatch_OnAModelWithBatchOne_RunsOneByOne()
    {
        // The reference export declares [1, 3, 640, 640]: a list runs image by image, same detections.
        using var detector = new YoloDetector(TestData.Reference("yolov5n-export-opset12.onnx"), new YoloDetectorOptions { IntraOpThreads = 1 });
        Assert.False(detector.HasDynamicBatch);
        var images = Images.Value.Take(3).ToArray();

        var batched = detector.Detect(images);

        Assert.Equal(images.Select(image => detector.Detect(image)), batched);
        Assert.Empty(detector.Detect(Array.Empty<RgbImage>()));
    }

    /// <summary>A batched convolution may sum in another order than a single one: the same boxes, classes and
    /// order, confidences and coordinates within float rounding.</summary>
    private static void AssertSameDetections(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].ClassId, actual[i].ClassId);
            Assert.Equal(expected[i].Confidence, actual[i].Confidence, 1e-4f);
            Assert.Equal(expected[i].Box.X1, actual[i].Box.X1, 0.05f);
            Assert.Equal(expected[i].Box.Y1, actual[i].Box.Y1, 0.05f);
            Assert.Equal(expected[i].Box.X2, actual[i].Box.X2, 0.05f);
            Assert.Equal(expected[i].Box.Y2, actual[i].Box.Y2, 0.05f);
        }
    }
}
