using SkiaSharp;
using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime.Apps;

/// <summary>Every input kind an app hands the runtime gives the detections of the encoded-image path, on the real
/// yolov5n: the raw-frame letterbox reads the caller's channel order and stride in place, so the model sees the same
/// floats.</summary>
public class FrameInputTests
{
    private static readonly Lazy<YoloDetector> Detector = new(() => new YoloDetector(RealModel.FoldedYolov5n, new YoloDetectorOptions { IntraOpThreads = 1 }));

    private static readonly Lazy<(RgbImage Image, IReadOnlyList<Detection> Detections)> Bus = new(() =>
    {
        var image = RgbImage.Load(TestData.Reference("bus.jpg"));
        return (image, Detector.Value.Detect(image));
    });

    [Fact]
    public void EncodedBytes_GiveTheDecodedImagesDetections()
    {
        var detections = Detector.Value.DetectEncoded(File.ReadAllBytes(TestData.Reference("bus.jpg")));

        Assert.Equal(4, Bus.Value.Detections.Count); // three people and the bus
        Assert.Equal(Bus.Value.Detections, detections);
    }

    [Theory]
    [InlineData(PixelFormat.Rgb24, 0)]
    [InlineData(PixelFormat.Bgr24, 0)]
    [InlineData(PixelFormat.Bgr24, 13)]
    [InlineData(PixelFormat.Rgba32, 0)]
    [InlineData(PixelFormat.Bgra32, 64)]
    public void RawFrames_GiveTheEncodedImagesDetections(PixelFormat format, int rowPadding)
    {
        var (pixels, layout) = Frames.From(Bus.Value.Image, format, rowPadding);

        Assert.Equal(Bus.Value.Detections, Detector.Value.Detect(pixels, layout));
        Assert.Equal(Bus.Value.Detections, Detector.Value.Detect(new Frame(pixels, layout)));
    }

    [Theory]
    [InlineData(SKColorType.Bgra8888)]
    [InlineData(SKColorType.Rgba8888)]
    public void SkiaBitmaps_GiveTheEncodedImagesDetections(SKColorType colorType)
    {
        using var bitmap = Frames.Bitmap(Bus.Value.Image, colorType);

        Assert.Equal(Bus.Value.Detections, Detector.Value.Detect(bitmap));
    }

    [Fact]
    public void ShortBuffersAndNarrowStrides_AreRefusedWithTheSizes()
    {
        var detector = Detector.Value;

        var shortBuffer = Assert.Throws<ArgumentException>(() => detector.Detect(new byte[100 * 50 * 3 - 1], 100, 50, PixelFormat.Bgr24));
        Assert.Contains("100x50 Bgr24", shortBuffer.Message);
        Assert.Contains("needs 15000 bytes", shortBuffer.Message);
        Assert.Contains("holds 14999", shortBuffer.Message);

        var narrow = Assert.Throws<ArgumentException>(() => detector.Detect(new byte[100_000], 100, 50, PixelFormat.Bgra32, stride: 399));
        Assert.Contains("stride of 399 bytes", narrow.Message);
        Assert.Contains("400 bytes", narrow.Message);

        // A padded stride needs every row but the last at the stride.
        var padded = Assert.Throws<ArgumentException>(() => detector.Detect(new byte[49 * 320 + 299], 100, 50, PixelFormat.Rgb24, stride: 320));
        Assert.Contains("needs 15980 bytes", padded.Message);

        Assert.Throws<ArgumentException>(() => detector.Detect(new byte[10], 0, 10, PixelFormat.Rgb24));
        var batch = Assert.Throws<ArgumentException>(() => detector.Detect([new Frame(new byte[12], new FrameLayout(2, 2, PixelFormat.Rgb24)), new Frame(new byte[11], new FrameLayout(2, 2, PixelFormat.Rgb24))]));
        Assert.Contains("frames[1]", batch.Message);
    }
}
