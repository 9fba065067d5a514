namespace YoloCompress.Runtime;

/// <summary>A view of the caller's pixels as the letterbox reads them: rows <see cref="Stride"/> bytes apart,
/// <see cref="BytesPerPixel"/> bytes a pixel, red, green and blue at their offsets inside a pixel. The resize and the
/// fill read through it, so a BGR or BGRA frame is never copied into RGB first.</summary>
internal readonly ref struct SourcePixels
{
    private readonly ReadOnlySpan<byte> _pixels;

    private SourcePixels(ReadOnlySpan<byte> pixels, int width, int height, int stride, int bytesPerPixel, int red, int blue)
    {
        _pixels = pixels;
        (Width, Height, Stride, BytesPerPixel, Red, Blue) = (width, height, stride, bytesPerPixel, red, blue);
    }

    public int Width { get; }

    public int Height { get; }

    public int Stride { get; }

    public int BytesPerPixel { get; }

    /// <summary>Offset of red inside a pixel (green is always at 1).</summary>
    public int Red { get; }

    /// <summary>Offset of blue inside a pixel.</summary>
    public int Blue { get; }

    /// <summary>Packed RGB, <paramref name="width"/> x <paramref name="height"/>.</summary>
    public static SourcePixels Rgb(ReadOnlySpan<byte> pixels, int width, int height) =>
        new(pixels, width, height, width * 3, 3, 0, 2);

    /// <summary>A raw frame; <paramref name="layout"/> is checked against the buffer (an ArgumentException naming the sizes).</summary>
    public static SourcePixels Of(ReadOnlySpan<byte> pixels, in FrameLayout layout, string parameterName = "pixels")
    {
        layout.Validate(pixels.Length, parameterName);
        bool bgr = layout.Format is PixelFormat.Bgr24 or PixelFormat.Bgra32;
        return new(pixels, layout.Width, layout.Height, layout.RowPitch, layout.BytesPerPixel, bgr ? 2 : 0, bgr ? 0 : 2);
    }

    /// <summary>Row <paramref name="y"/>'s pixels, without the padding.</summary>
    public ReadOnlySpan<byte> Row(int y) => _pixels.Slice(y * Stride, Width * BytesPerPixel);
}
