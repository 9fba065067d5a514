using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime.Apps;

/// <summary>The raw-frame letterbox writes exactly the floats of the RGB-image letterbox, for every pixel format and
/// stride, on both of its paths (resized, and at the input's own size where no resize runs).</summary>
public class LetterboxFrameTests
{
    [Theory]
    [InlineData(PixelFormat.Rgb24, 0)]
    [InlineData(PixelFormat.Bgr24, 7)]
    [InlineData(PixelFormat.Rgba32, 0)]
    [InlineData(PixelFormat.Bgra32, 12)]
    public void Frame_LetterboxesToTheImagesFloats(PixelFormat format, int rowPadding)
    {
        var image = Gradient(97, 61);
        var (pixels, layout) = Frames.From(image, format, rowPadding);

        foreach (var geometry in new[] { InputGeometry.Fixed(64, 64), InputGeometry.Fixed(97, 61), InputGeometry.PerImage(128, 32) })
        {
            var (expected, expectedPlan) = Letterbox.Apply(image, geometry);
            var actual = new float[expected.Length + 5];
            var plan = Letterbox.Apply(pixels, layout, actual, geometry);

            Assert.Equal(expectedPlan, plan);
            Assert.Equal(expected, actual[..expected.Length]);
        }
    }

    private static RgbImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(i * 31 % 251);
        return new RgbImage(width, height, pixels);
    }
}
