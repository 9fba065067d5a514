using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Runtime;

public class RendererTests
{
    [Fact]
    public void WritePng_WritesADecodablePngOfTheImageSize_WithBoxesDrawn()
    {
        var image = new RgbImage(200, 100, Enumerable.Repeat((byte)128, 200 * 100 * 3).ToArray());
        Detection[] detections =
        [
            new(0, "person", 0.82f, new BoundingBox(20, 30, 120, 90)),
            new(5, "bus", 0.5f, new BoundingBox(150, 5, 190, 60)),
        ];
        using var temp = new TempFolder();
        var dir = temp.Path;
        var path = Path.Combine(dir, "out", "drawn.png");
        DetectionRenderer.WritePng(image, detections, path);

        var bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        var decoded = RgbImage.Decode(bytes, path);
        Assert.Equal((200, 100), (decoded.Width, decoded.Height));

        // The person box's bottom edge has the class-0 colour; the image centre far from boxes is untouched.
        var (r, g, b) = DetectionRenderer.ColorOf(0);
        int edge = (90 * 200 + 70) * 3;
        Assert.Equal((r, g, b), (decoded.Pixels[edge], decoded.Pixels[edge + 1], decoded.Pixels[edge + 2]));
        int plain = (95 * 200 + 140) * 3;
        Assert.Equal((128, 128, 128), (decoded.Pixels[plain], decoded.Pixels[plain + 1], decoded.Pixels[plain + 2]));
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "out"), "*.tmp*"));
    }

    [Fact]
    public void Draw_LeavesTheSourceImageUnchanged()
    {
        var pixels = new byte[50 * 40 * 3];
        var image = new RgbImage(50, 40, pixels);

        var drawn = DetectionRenderer.Draw(image, [new Detection(1, "b", 0.9f, new BoundingBox(5, 5, 45, 35))]);

        Assert.All(pixels, p => Assert.Equal(0, p));
        Assert.Contains(drawn.Pixels, p => p != 0);
    }
}
