using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Runtime;

public class DetectorTests
{
    // cx, cy, w, h, obj, cat, dog
    private static readonly float[][] Rows =
    [
        [32, 32, 20, 10, 0.9f, 0.9f, 0.1f],  // cat 0.81
        [33, 32, 20, 10, 0.8f, 0.8f, 0.3f],  // cat 0.64, overlaps the first: suppressed
        [10, 40, 8, 8, 0.1f, 0.9f, 0.9f],    // objectness too low
        [48, 24, 6, 12, 0.7f, 0.2f, 0.6f],   // dog 0.42
    ];

    [Fact]
    public void Detect_ReadsInputSizeAndNames_AndMapsBoxesToTheImage()
    {
        using var detector = new YoloDetector(TinyModels.ConstantOutput(Rows, 64, "{0: 'cat', 1: 'dog'}"));

        Assert.Equal((64, 64), (detector.InputWidth, detector.InputHeight));
        Assert.Equal(2, detector.ClassCount);
        Assert.Equal(["cat", "dog"], detector.Names);
        Assert.Equal("{0: 'cat', 1: 'dog'}", detector.Metadata["names"]);

        // 128x64 image -> scale 0.5, 64x32 inside the input, 16 rows of padding on top.
        var image = new RgbImage(128, 64, new byte[128 * 64 * 3]);
        var detections = detector.Detect(image);

        Assert.Equal(2, detections.Count);
        Assert.Equal(("cat", 0), (detections[0].Name, detections[0].ClassId));
        Assert.Equal(0.81f, detections[0].Confidence, 1e-6f);
        Assert.Equal(new BoundingBox(44, 22, 84, 42), detections[0].Box); // input (22,27,42,37)
        Assert.Equal(("dog", 1), (detections[1].Name, detections[1].ClassId));
        Assert.Equal(new BoundingBox(90, 4, 102, 28), detections[1].Box); // input (45,18,51,30)
    }

    [Fact]
    public void Detect_HonoursOptions_AndRunReturnsTheRawOutput()
    {
        using var detector = new YoloDetector(new MemoryStream(TinyModels.ConstantOutput(Rows, 64, null)));
        Assert.Equal(["class 0", "class 1"], detector.Names);

        var image = new RgbImage(64, 64, new byte[64 * 64 * 3]);
        Assert.Single(detector.Detect(image, new DetectionOptions { Confidence = 0.5f }));
        Assert.Equal(3, detector.Detect(image, new DetectionOptions { MultiLabel = true, Iou = 0.9f, Confidence = 0.2f }).Count);

        var output = detector.Run(new float[3 * 64 * 64]);
        Assert.Equal((4, 7), (output.Rows, output.Columns));
        Assert.Equal(Rows[3], output.Row(3).ToArray());
        var again = detector.Run(new float[3 * 64 * 64]); // the bound output buffer is reused
        Assert.Equal(Rows.SelectMany(r => r), again.ToArray());
    }

    [Fact]
    public void Load_Errors_NameTheModel()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var path = Path.Combine(dir, "garbage.onnx");
        File.WriteAllText(path, "not a model");
        var ex = Assert.Throws<InvalidDataException>(() => new YoloDetector(path));
        Assert.Contains(path, ex.Message);
        Assert.Throws<FileNotFoundException>(() => new YoloDetector(Path.Combine(dir, "missing.onnx")));
    }

    [Fact]
    public void Run_WrongInputLength_Throws()
    {
        using var detector = new YoloDetector(TinyModels.ConstantOutput(Rows, 64, null));
        Assert.Throws<ArgumentException>(() => detector.Run(new float[10]));
    }

    [Fact]
    public void LatencyBenchmark_ReportsOrderedStatistics()
    {
        using var detector = new YoloDetector(TinyModels.ConstantOutput(Rows, 64, null), new YoloDetectorOptions { IntraOpThreads = 1 });
        var result = LatencyBenchmark.Measure(detector, threads: 1, runs: 7, warmup: 1);

        Assert.Equal((7, 1), (result.Runs, result.Threads));
        Assert.InRange(result.MinMs, 0, result.MedianMs);
        Assert.InRange(result.MedianMs, result.MinMs, result.P90Ms);

        var known = LatencyBenchmark.Summarize([5, 1, 4, 2, 3, 10, 6, 7, 8, 9], threads: 2);
        Assert.Equal((5.5, 9.0, 5.5, 1.0), (known.MedianMs, known.P90Ms, known.MeanMs, known.MinMs));
    }
}
