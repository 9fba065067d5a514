namespace YoloCompress.Runtime;

/// <summary>How a letterboxed model input relates to the original image: what
/// <see cref="Letterbox.Apply(RgbImage, int, int)"/> did, and the way back for boxes.</summary>
/// <param name="SourceWidth">Original image width.</param>
/// <param name="SourceHeight">Original image height.</param>
/// <param name="Scale">Resize ratio applied to the original image (<c>r</c>).</param>
/// <param name="PadX">Horizontal padding before centring, unrounded (<c>dw</c>, half the spare width).</param>
/// <param name="PadY">Vertical padding, unrounded (<c>dh</c>).</param>
/// <param name="ResizedWidth">Width of the resized image inside the input.</param>
/// <param name="ResizedHeight">Height of the resized image inside the input.</param>
/// <param name="Left">Columns of padding actually placed on the left.</param>
/// <param name="Top">Rows of padding actually placed on the top.</param>
/// <param name="InputWidth">Width of the model input the image is placed in.</param>
/// <param name="InputHeight">Height of the model input.</param>
public readonly record struct LetterboxTransform(
    int SourceWidth, int SourceHeight, double Scale, double PadX, double PadY,
    int ResizedWidth, int ResizedHeight, int Left, int Top, int InputWidth, int InputHeight)
{
    /// <summary>Maps a box from model-input pixels to original-image pixels and clips it to the
    /// image, like ultralytics <c>scale_boxes</c> + <c>clip_boxes</c> (clamped to [0, width] and [0, height]).</summary>
    public BoundingBox ToOriginal(in BoundingBox box)
    {
        float padX = (float)PadX, padY = (float)PadY, gain = (float)Scale;
        return new BoundingBox(
            Math.Clamp((box.X1 - padX) / gain, 0f, SourceWidth),
            Math.Clamp((box.Y1 - padY) / gain, 0f, SourceHeight),
            Math.Clamp((box.X2 - padX) / gain, 0f, SourceWidth),
            Math.Clamp((box.Y2 - padY) / gain, 0f, SourceHeight));
    }
}

/// <summary>The reference preprocessing: ultralytics
/// <c>letterbox(im, new_shape, color=(114,114,114), auto=False, scaleup=True)</c>, then HWC to CHW,
/// RGB, divided by 255. Takes decoded <see cref="RgbImage"/>s and raw frames of any <see cref="PixelFormat"/> and stride
/// (Letterbox.Frames.cs).</summary>
public static partial class Letterbox
{
    /// <summary>The padding grey, as in ultralytics.</summary>
    public const byte PadValue = 114;

    /// <summary>Computes the geometry of letterboxing a <paramref name="width"/> x <paramref name="height"/>
    /// image into a <paramref name="inputWidth"/> x <paramref name="inputHeight"/> input.</summary>
    public static LetterboxTransform Plan(int width, int height, int inputWidth, int inputHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputHeight);
        var (r, newWidth, newHeight) = Resize(width, height, inputWidth, inputHeight);
        return Center(width, height, r, newWidth, newHeight, inputWidth, inputHeight);
    }

    /// <summary>Computes the geometry of letterboxing a <paramref name="width"/> x <paramref name="height"/> image
    /// into its own smallest input whose sides are multiples of <paramref name="stride"/>, the image's long side
    /// scaled to <paramref name="longSide"/>: ultralytics <c>letterbox(im, longSide, stride=stride, auto=True)</c>, the
    /// rectangular inference of detect.py. The padding on each axis is what remains of the square to the next
    /// multiple of the stride, so a 4:3 photo at 640 gets 640x480 and a 4000x100 strip 640x32.</summary>
    public static LetterboxTransform PlanRectangle(int width, int height, int longSide, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfLessThan(longSide, stride);
        var (r, newWidth, newHeight) = Resize(width, height, longSide, longSide);
        // np.mod(dw, stride): the square's spare width shrunk to what a stride multiple still needs.
        int inputWidth = newWidth + (longSide - newWidth) % stride;
        int inputHeight = newHeight + (longSide - newHeight) % stride;
        return Center(width, height, r, newWidth, newHeight, inputWidth, inputHeight);
    }

    private static (double Scale, int Width, int Height) Resize(int width, int height, int inputWidth, int inputHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        // Python's round() is round-half-to-even, as is Math.Round's default. A side that would round to nothing
        // (a strip thinner than the scale) keeps one pixel, where cv2.resize would fail.
        double r = Math.Min((double)inputHeight / height, (double)inputWidth / width);
        int newWidth = Math.Max(1, (int)Math.Round(width * r, MidpointRounding.ToEven));
        int newHeight = Math.Max(1, (int)Math.Round(height * r, MidpointRounding.ToEven));
        return (r, newWidth, newHeight);
    }

    private static LetterboxTransform Center(int width, int height, double r, int newWidth, int newHeight, int inputWidth, int inputHeight)
    {
        double dw = (inputWidth - newWidth) / 2.0, dh = (inputHeight - newHeight) / 2.0;
        int top = (int)Math.Round(dh - 0.1, MidpointRounding.ToEven);
        int left = (int)Math.Round(dw - 0.1, MidpointRounding.ToEven);
        return new LetterboxTransform(width, height, r, dw, dh, newWidth, newHeight, left, top, inputWidth, inputHeight);
    }

    /// <summary>Letterboxes <paramref name="image"/> into a new float CHW tensor of one image
    /// (<c>3 * inputHeight * inputWidth</c> values).</summary>
    public static (float[] Tensor, LetterboxTransform Transform) Apply(RgbImage image, int inputWidth, int inputHeight)
    {
        var tensor = new float[3 * inputWidth * inputHeight];
        return (tensor, Apply(image, tensor, inputWidth, inputHeight));
    }

    /// <summary>Letterboxes <paramref name="image"/> into <paramref name="destination"/>
    /// (float CHW, RGB, 0..1, <c>3 * inputHeight * inputWidth</c> values; batch of one).</summary>
    public static LetterboxTransform Apply(RgbImage image, Span<float> destination, int inputWidth, int inputHeight)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Apply(image, destination, Plan(image.Width, image.Height, inputWidth, inputHeight));
    }

    /// <summary>Letterboxes <paramref name="image"/> as <paramref name="geometry"/> plans it into the start of
    /// <paramref name="destination"/> (float CHW, <c>3 * InputHeight * InputWidth</c> values of the returned plan).</summary>
    public static LetterboxTransform Apply(RgbImage image, Span<float> destination, InputGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Apply(image, destination, geometry.Plan(image.Width, image.Height));
    }

    /// <summary>Letterboxes <paramref name="image"/> into a new tensor as <paramref name="geometry"/> plans it.</summary>
    public static (float[] Tensor, LetterboxTransform Transform) Apply(RgbImage image, InputGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(image);
        var t = geometry.Plan(image.Width, image.Height);
        var tensor = new float[3 * t.InputWidth * t.InputHeight];
        return (tensor, Apply(image, tensor, t));
    }

    private static LetterboxTransform Apply(RgbImage image, Span<float> destination, in LetterboxTransform t) =>
        Apply(SourcePixels.Rgb(image.Pixels, image.Width, image.Height), destination, t);
}
