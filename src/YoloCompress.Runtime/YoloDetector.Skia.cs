using SkiaSharp;

namespace YoloCompress.Runtime;

public sealed partial class YoloDetector
{
    /// <summary>Detects objects in a SkiaSharp bitmap (a frame from a UI toolkit, a decoded picture); boxes in the
    /// bitmap's pixels. RGBA, BGRA and RGBX bitmaps are read in place, rows at their <see cref="SKBitmap.RowBytes"/>;
    /// other colour types are converted to RGBA first. Alpha is ignored, and pixels are taken as stored
    /// (premultiplied where the bitmap is). Thread-safe.</summary>
    /// <exception cref="ArgumentException">The bitmap has no pixels, or a colour type SkiaSharp cannot convert.</exception>
    public IReadOnlyList<Detection> Detect(SKBitmap bitmap, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        if (bitmap.Width <= 0 || bitmap.Height <= 0 || bitmap.GetPixels() == IntPtr.Zero)
            throw new ArgumentException($"The bitmap ({bitmap.Width}x{bitmap.Height}) has no pixels.", nameof(bitmap));
        PixelFormat? format = bitmap.ColorType switch
        {
            SKColorType.Rgba8888 or SKColorType.Rgb888x => PixelFormat.Rgba32,
            SKColorType.Bgra8888 => PixelFormat.Bgra32,
            _ => null,
        };
        if (format is { } f)
            return Detect(bitmap.GetPixelSpan(), new FrameLayout(bitmap.Width, bitmap.Height, f, bitmap.RowBytes), options);

        using var converted = bitmap.Copy(SKColorType.Rgba8888)
            ?? throw new ArgumentException($"SkiaSharp cannot convert a {bitmap.ColorType} bitmap to RGBA.", nameof(bitmap));
        return Detect(converted.GetPixelSpan(), new FrameLayout(converted.Width, converted.Height, PixelFormat.Rgba32, converted.RowBytes), options);
    }
}
