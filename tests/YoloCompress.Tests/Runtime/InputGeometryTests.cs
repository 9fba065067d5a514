using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime;

/// <summary>Per-image rectangles against ultralytics' <c>letterbox(im, 640, stride=32, auto=True)</c> arithmetic
/// (r = min(640/h, 640/w); new = round(w r), round(h r); pad = (640 - new) mod 32, split with round(d/2 -+ 0.1)).</summary>
public sealed class InputGeometryTests
{
    [Theory]
    // width, height -> input width, input height, resized width, resized height, left, top
    [InlineData(1280, 720, 640, 384, 640, 360, 0, 12)]   // 16:9 frame: 24 rows of padding, the stride remainder
    [InlineData(640, 480, 640, 480, 640, 480, 0, 0)]     // 4:3 photo: no padding at all
    [InlineData(640, 427, 640, 448, 640, 427, 0, 10)]    // COCO's 3:2 photos: (640 - 427) mod 32 = 21 rows
    [InlineData(810, 1080, 480, 640, 480, 640, 0, 0)]    // portrait: the height is the long side
    [InlineData(4000, 100, 640, 32, 640, 16, 0, 8)]      // an extreme strip stays within the long side
    [InlineData(4000, 1, 640, 32, 640, 1, 0, 15)]        // thinner than a pixel at this scale: one row is kept
    [InlineData(320, 240, 640, 480, 640, 480, 0, 0)]     // small images are scaled up, as detect.py does
    public void PerImageRectanglesFollowDetectPysLetterbox(int width, int height, int inputWidth, int inputHeight,
        int resizedWidth, int resizedHeight, int left, int top)
    {
        var t = InputGeometry.PerImage(640, 32).Plan(width, height);
        Assert.Equal((inputWidth, inputHeight), (t.InputWidth, t.InputHeight));
        Assert.Equal((resizedWidth, resizedHeight), (t.ResizedWidth, t.ResizedHeight));
        Assert.Equal((left, top), (t.Left, t.Top));
        Assert.Equal(0, t.InputWidth % 32);
        Assert.Equal(0, t.InputHeight % 32);
    }

    [Fact]
    public void A720pFrameInA640x384ModelLosesNoPixelsToPaddingBeyondTheStrideRemainder()
    {
        var t = InputGeometry.Fixed(640, 384).Plan(1280, 720);
        Assert.Equal(0.5, t.Scale);
        Assert.Equal((640, 360), (t.ResizedWidth, t.ResizedHeight));
        Assert.Equal(384 - 360, t.InputHeight - t.ResizedHeight);
        // The same frame in a square 640 model: 280 rows of padding, 44% of the input.
        var square = InputGeometry.Fixed(640, 640).Plan(1280, 720);
        Assert.Equal(280, square.InputHeight - square.ResizedHeight);
    }

    [Fact]
    public void BoxesMapBackThroughARectangleAsScaleBoxesDoes()
    {
        var t = InputGeometry.PerImage(640, 32).Plan(1280, 720); // r 0.5, pad (0, 12)
        var box = t.ToOriginal(new BoundingBox(100, 112, 300, 212));
        Assert.Equal(new BoundingBox(200, 200, 600, 400), box);
    }

    [Fact]
    public void LetterboxingIntoARectangleFillsThePaddingGreyAndTheImageWhereThePlanSays()
    {
        var image = new RgbImage(8, 2, Enumerable.Repeat((byte)200, 8 * 2 * 3).ToArray());
        var (tensor, t) = Letterbox.Apply(image, InputGeometry.PerImage(32, 32)); // 32x8 image in a 32x32 input
        Assert.Equal((32, 32), (t.InputWidth, t.InputHeight));
        Assert.Equal(3 * 32 * 32, tensor.Length);
        Assert.Equal(12, t.Top);
        Assert.Equal(114 / 255f, tensor[0]);                 // top-left: padding
        Assert.Equal(200 / 255f, tensor[12 * 32], 3);        // first image row
        Assert.Equal(114 / 255f, tensor[20 * 32]);           // below the image
    }

    [Theory]
    [InlineData(640, 640, "640")]
    [InlineData(640, 384, "640x384")]
    public void FixedGeometriesSpellAsTheSetting(int width, int height, string spelling) =>
        Assert.Equal(spelling, InputGeometry.Fixed(width, height).ToString());

    [Fact]
    public void PerImageGeometryNeedsALongSideThatIsAStrideMultiple()
    {
        Assert.Equal("dynamic:640", InputGeometry.PerImage(640, 32).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => InputGeometry.PerImage(650, 32));
    }
}
