using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime.Apps;

/// <summary>The frame loop of docs/runtime.md runs as written: the lines between the markers below are the doc's code
/// block, line for line (the test checks the doc still holds them), run on BGR frames of the real model.</summary>
public class DocExampleTests
{
    [Fact]
    public void TheFrameLoopOfTheDoc_RunsAndIsTheDocsCode()
    {
        var modelBytes = RealModel.FoldedYolov5n;
        var bus = RgbImage.Load(TestData.Reference("bus.jpg"));
        var camera = new[] { Frames.From(bus, PixelFormat.Bgr24, 16), Frames.From(bus, PixelFormat.Bgr24, 16) }
            .Select(f => (f.Pixels, f.Layout.Width, f.Layout.Height, Stride: f.Layout.RowPitch));
        var log = new List<string>();

        // doc:frame-loop
        using var detector = new YoloDetector(modelBytes, new YoloDetectorOptions { IntraOpThreads = 1 });
        foreach (var (pixels, width, height, stride) in camera)   // BGR24 frames: a camera, a video decoder
        {
            var detections = detector.Detect(pixels, width, height, PixelFormat.Bgr24, stride);
            foreach (var d in detections)
                log.Add($"{d.Name} {d.Confidence:0.00} at {d.Box}");   // boxes in the frame's pixels
        }
        // end:frame-loop

        // yolov5n at detect.py's thresholds sees three people and the bus in bus.jpg.
        Assert.Equal(6, log.Count(l => l.StartsWith("person ", StringComparison.Ordinal)));
        Assert.Equal(2, log.Count(l => l.StartsWith("bus ", StringComparison.Ordinal)));
        AssertTheDocHolds("frame-loop");
    }

    private static void AssertTheDocHolds(string name)
    {
        var source = File.ReadAllLines(Path.Combine(TestData.RepoRoot, "tests", "YoloCompress.Tests", "Runtime", "Apps", "DocExampleTests.cs"));
        int start = Array.FindIndex(source, l => l.Trim() == $"// doc:{name}") + 1;
        int end = Array.FindIndex(source, l => l.Trim() == $"// end:{name}");
        var doc = File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "runtime.md"));
        string block = string.Join("\n", source[start..end].Select(l => l.Length >= 8 ? l[8..] : l.TrimStart()));
        Assert.Contains(block, doc.Replace("\r\n", "\n"));
    }
}
