using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Runtime;

public class LetterboxTests
{
    private const float Pad = 114f / 255f;

    [Fact]
    public void Plan_PortraitBus_ScalesHeightToInputAndPadsLeftRight()
    {
        var t = Letterbox.Plan(810, 1080, 640, 640);

        Assert.Equal(640.0 / 1080.0, t.Scale, 12);
        Assert.Equal((480, 640), (t.ResizedWidth, t.ResizedHeight));
        Assert.Equal((80.0, 0.0), (t.PadX, t.PadY));
        Assert.Equal((80, 0), (t.Left, t.Top));
    }

    [Fact]
    public void Plan_LandscapeZidane_ScalesWidthToInputAndPadsTopBottom()
    {
        var t = Letterbox.Plan(1280, 720, 640, 640);

        Assert.Equal(0.5, t.Scale);
        Assert.Equal((640, 360), (t.ResizedWidth, t.ResizedHeight));
        Assert.Equal((0.0, 140.0), (t.PadX, t.PadY));
        Assert.Equal((0, 140), (t.Left, t.Top));
    }

    [Fact]
    public void Plan_OddSpareSpace_PutsTheExtraPixelAfterTheImage()
    {
        // 640x639 spare 1 row: dh = 0.5 -> top = round(0.4) = 0, bottom = round(0.6) = 1.
        var t = Letterbox.Plan(640, 639, 640, 640);
        Assert.Equal((640, 639, 0, 0), (t.ResizedWidth, t.ResizedHeight, t.Left, t.Top));
        Assert.Equal(0.5, t.PadY);

        // Python's round is half-to-even: width 5 scaled by 0.5 is 2.5 -> 2, not 3.
        var half = Letterbox.Plan(5, 10, 5, 5);
        Assert.Equal(0.5, half.Scale);
        Assert.Equal((2, 5), (half.ResizedWidth, half.ResizedHeight));
        Assert.Equal((1.5, 1), (half.PadX, half.Left)); // round(1.4) = 1
    }

    [Fact]
    public void Apply_Zidane_HalvesByAveragingTwoByTwoAndPadsWith114()
    {
        var image = RgbImage.Load(TestData.Reference("zidane.jpg"));
        Assert.Equal((1280, 720), (image.Width, image.Height));

        var (tensor, t) = Letterbox.Apply(image, 640, 640);

        Assert.Equal(3 * 640 * 640, tensor.Length);
        Assert.Equal(140, t.Top);
        // Padding rows above and below the image, in every channel.
        foreach (var (x, y) in new[] { (0, 0), (639, 139), (320, 500), (639, 639) })
            for (int c = 0; c < 3; c++)
                Assert.Equal(Pad, At(tensor, c, y, x));

        // An exact 2x reduction with half-pixel centres weighs the 2x2 block equally:
        // (a + b + c + d + 2) >> 2, as cv2.resize INTER_LINEAR (and INTER_AREA) give.
        foreach (var (x, y) in new[] { (0, 0), (100, 50), (333, 211), (639, 359) })
        {
            for (int c = 0; c < 3; c++)
            {
                int sum = Src(image, 2 * x, 2 * y, c) + Src(image, 2 * x + 1, 2 * y, c)
                        + Src(image, 2 * x, 2 * y + 1, c) + Src(image, 2 * x + 1, 2 * y + 1, c);
                Assert.Equal(((sum + 2) >> 2) / 255f, At(tensor, c, y + 140, x));
            }
        }
    }

    [Fact]
    public void Apply_Bus_InterpolatesBilinearlyWithHalfPixelCentres()
    {
        var image = RgbImage.Load(TestData.Reference("bus.jpg"));
        Assert.Equal((810, 1080), (image.Width, image.Height));

        var (tensor, t) = Letterbox.Apply(image, 640, 640);

        Assert.Equal(80, t.Left);
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(Pad, At(tensor, c, 0, 0));
            Assert.Equal(Pad, At(tensor, c, 639, 79));
            Assert.Equal(Pad, At(tensor, c, 300, 560));
        }

        // Scale 1080/640 = 1.6875 on both axes. Destination 0 -> source 0.5*1.6875-0.5 = 0.34375:
        // taps 0 and 1, weights round(0.65625*2048) = 1344 and round(0.34375*2048) = 704.
        // Destination 10 -> 10.5*1.6875-0.5 = 17.21875: taps 17, 18, weights 1600 and 448.
        Assert.Equal(Expected(image, 0, 1, 1344, 704, 0, 1, 1344, 704, c: 0), At(tensor, 0, 0, 80));
        Assert.Equal(Expected(image, 17, 18, 1600, 448, 0, 1, 1344, 704, c: 1), At(tensor, 1, 0, 80 + 10));
        Assert.Equal(Expected(image, 17, 18, 1600, 448, 17, 18, 1600, 448, c: 2), At(tensor, 2, 10, 80 + 10));
        // Last destination 479 -> 479.5*1.6875-0.5 = 808.65625: taps 808, 809, weights 704 and 1344.
        Assert.Equal(Expected(image, 808, 809, 704, 1344, 808, 809, 704, 1344, c: 0), At(tensor, 0, 479, 80 + 479));
    }

    [Fact]
    public void Apply_SameSize_CopiesPixelsWithoutResampling()
    {
        var pixels = new byte[4 * 4 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 5);
        var image = new RgbImage(4, 4, pixels);

        var (tensor, t) = Letterbox.Apply(image, 4, 4);

        Assert.Equal(1.0, t.Scale);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
                for (int c = 0; c < 3; c++)
                    Assert.Equal(pixels[(y * 4 + x) * 3 + c] / 255f, At(tensor, c, y, x, size: 4));
    }

    [Fact]
    public void Apply_Upscale_ClampsAtTheEdges()
    {
        // 2x1 grey image (0, 200) upscaled to 4x2 inside a 4x4 input: columns sample
        // -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel).
        var image = new RgbImage(2, 1, [0, 0, 0, 200, 200, 200]);
        var (tensor, t) = Letterbox.Apply(image, 4, 4);

        Assert.Equal((4, 2, 1), (t.ResizedWidth, t.ResizedHeight, t.Top));
        // Weights for 0.25: 1536/512 -> (0*1536 + 200*512) / 2048 = 50; for 0.75: 150.
        float[] expected = [0f, 50f / 255f, 150f / 255f, 200f / 255f];
        for (int x = 0; x < 4; x++)
        {
            Assert.Equal(expected[x], At(tensor, 0, 1, x, size: 4));
            Assert.Equal(expected[x], At(tensor, 2, 2, x, size: 4));
            Assert.Equal(Pad, At(tensor, 1, 0, x, size: 4));
            Assert.Equal(Pad, At(tensor, 1, 3, x, size: 4));
        }
    }

    [Fact]
    public void ToOriginal_UndoesScaleAndPaddingAndClipsToTheImage()
    {
        var t = Letterbox.Plan(810, 1080, 640, 640); // scale 0.5926, pad x 80
        const float r = 640f / 1080f;
        var box = t.ToOriginal(new BoundingBox(80 + 100 * r, 200 * r, 700f, 660f));

        Assert.Equal(100f, box.X1, 0.001f);
        Assert.Equal(200f, box.Y1, 0.001f);
        Assert.Equal(810f, box.X2);  // (700 - 80) / 0.5926 = 1046 -> clipped to the width
        Assert.Equal(1080f, box.Y2); // beyond the bottom -> clipped to the height

        var outside = t.ToOriginal(new BoundingBox(10f, -5f, 20f, 30f));
        Assert.Equal((0f, 0f, 0f), (outside.X1, outside.Y1, outside.X2));
    }

    private static float At(float[] chw, int c, int y, int x, int size = 640) => chw[(c * size + y) * size + x];

    private static int Src(RgbImage image, int x, int y, int c) => image.Pixels[(y * image.Width + x) * 3 + c];

    // OpenCV's fixed-point bilinear: horizontal sums with weights /2048, then the SIMD vertical rounding.
    private static float Expected(RgbImage image, int x0, int x1, int a0, int a1, int y0, int y1, int b0, int b1, int c)
    {
        int h0 = Src(image, x0, y0, c) * a0 + Src(image, x1, y0, c) * a1;
        int h1 = Src(image, x0, y1, c) * a0 + Src(image, x1, y1, c) * a1;
        int v = ((b0 * (h0 >> 4)) >> 16) + ((b1 * (h1 >> 4)) >> 16);
        return Math.Clamp((v + 2) >> 2, 0, 255) / 255f;
    }
}
