using SkiaSharp;
using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime.Apps;

/// <summary>The same picture in every layout a frame arrives in: RGB, BGR, RGBA, BGRA, rows padded to a stride
/// whose padding holds garbage (so a reader that strays into it changes the result), and SkiaSharp bitmaps.</summary>
internal static class Frames
{
    public const byte PaddingGarbage = 0xEE;

    /// <summary><paramref name="image"/> as a <paramref name="format"/> frame with <paramref name="padding"/> bytes
    /// of garbage after each row (the alpha or X byte is garbage too: it must be ignored).</summary>
    public static (byte[] Pixels, FrameLayout Layout) From(RgbImage image, PixelFormat format, int padding = 0)
    {
        var layout = new FrameLayout(image.Width, image.Height, format, padding == 0 ? 0 : image.Width * (format is PixelFormat.Rgba32 or PixelFormat.Bgra32 ? 4 : 3) + padding);
        var pixels = new byte[layout.RowPitch * image.Height];
        Array.Fill(pixels, PaddingGarbage);
        bool bgr = format is PixelFormat.Bgr24 or PixelFormat.Bgra32;
        int step = layout.BytesPerPixel;
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            for (int x = 0; x < image.Width; x++)
            {
                int o = y * layout.RowPitch + x * step;
                pixels[o] = row[x * 3 + (bgr ? 2 : 0)];
                pixels[o + 1] = row[x * 3 + 1];
                pixels[o + 2] = row[x * 3 + (bgr ? 0 : 2)];
                if (step == 4)
                    pixels[o + 3] = (byte)(x * 7 + y); // alpha that varies: ignored, not composited
            }
        }
        return (pixels, layout);
    }

    /// <summary><paramref name="image"/> as an opaque SkiaSharp bitmap of <paramref name="colorType"/>.</summary>
    public static SKBitmap Bitmap(RgbImage image, SKColorType colorType)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, colorType, SKAlphaType.Opaque));
        var format = colorType == SKColorType.Bgra8888 ? PixelFormat.Bgra32 : PixelFormat.Rgba32;
        var (pixels, layout) = From(image, format);
        var target = bitmap.GetPixelSpan();
        for (int y = 0; y < image.Height; y++)
        {
            var row = pixels.AsSpan(y * layout.RowPitch, layout.RowBytes);
            row.CopyTo(target.Slice(y * bitmap.RowBytes, layout.RowBytes));
            for (int x = 3; x < layout.RowBytes; x += 4)
                target[y * bitmap.RowBytes + x] = 255;
        }
        return bitmap;
    }
}
