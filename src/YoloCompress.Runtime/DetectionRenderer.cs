using System.Globalization;
using SkiaSharp;

namespace YoloCompress.Runtime;

/// <summary>Draws detections on an image (a box and a "name 0.82" label each, ultralytics colours)
/// and writes PNGs. Works headless; when no font can be found the labels are left out and the
/// boxes still drawn.</summary>
public static class DetectionRenderer
{
    // ultralytics' Colors() palette, indexed by class id modulo its length.
    private static readonly uint[] Palette =
    [
        0xFF3838, 0xFF9D97, 0xFF701F, 0xFFB21D, 0xCFD231, 0x48F90A, 0x92CC17, 0x3DDB86, 0x1A9334, 0x00D4BB,
        0x2C99A8, 0x00C2FF, 0x344593, 0x6473FF, 0x0018EC, 0x8438FF, 0x520085, 0xCB38FF, 0xFF95C8, 0xFF37C7,
    ];

    private static readonly Lazy<SKTypeface?> LabelTypeface = new(FindTypeface);

    /// <summary>The colour of a class's boxes.</summary>
    internal static (byte R, byte G, byte B) ColorOf(int classId)
    {
        uint rgb = Palette[((classId % Palette.Length) + Palette.Length) % Palette.Length];
        return ((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb);
    }

    /// <summary>A copy of <paramref name="image"/> with the detections drawn on it.</summary>
    public static RgbImage Draw(RgbImage image, IEnumerable<Detection> detections)
    {
        using var bitmap = Render(image, detections);
        return FromBitmap(bitmap);
    }

    /// <summary>The image with the detections drawn, encoded as PNG.</summary>
    public static byte[] RenderPng(RgbImage image, IEnumerable<Detection> detections)
    {
        using var bitmap = Render(image, detections);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG.");
        return data.ToArray();
    }

    /// <summary>Writes the image with the detections drawn to <paramref name="path"/> as PNG
    /// (through a temporary file, so a reader never sees half a PNG).</summary>
    public static void WritePng(RgbImage image, IEnumerable<Detection> detections, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var png = RenderPng(image, detections);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            File.WriteAllBytes(temp, png);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new IOException($"Cannot write '{full}': {e.Message}", e);
        }
    }

    /// <summary>Draws the detections onto <paramref name="bitmap"/> in place (a frame being shown or encoded; no copy).</summary>
    public static void Draw(SKBitmap bitmap, IEnumerable<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentNullException.ThrowIfNull(detections);
        using var canvas = new SKCanvas(bitmap);
        DrawOn(canvas, bitmap.Width, bitmap.Height, detections);
    }

    private static SKBitmap Render(RgbImage image, IEnumerable<Detection> detections)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        var bitmap = ToBitmap(image);
        using var canvas = new SKCanvas(bitmap);
        DrawOn(canvas, image.Width, image.Height, detections);
        return bitmap;
    }

    private static void DrawOn(SKCanvas canvas, int width, int height, IEnumerable<Detection> detections)
    {
        // ultralytics Annotator: line width from the image size, label text a third of it.
        float lineWidth = Math.Max(MathF.Round((width + height) / 2f * 0.003f), 2f);
        var typeface = LabelTypeface.Value;
        using var font = typeface is null ? null : new SKFont(typeface, Math.Max(lineWidth * 6f, 10f));
        using var stroke = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = lineWidth, IsAntialias = false };
        using var fill = new SKPaint { Style = SKPaintStyle.Fill, IsAntialias = false };
        using var text = new SKPaint { Color = SKColors.White, IsAntialias = true };

        foreach (var d in detections)
        {
            var (r, g, b) = ColorOf(d.ClassId);
            var color = new SKColor(r, g, b);
            var rect = new SKRect(d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2);
            stroke.Color = color;
            canvas.DrawRect(rect, stroke);
            if (font is null)
                continue;

            string label = string.Create(CultureInfo.InvariantCulture, $"{d.Name} {d.Confidence:0.00}");
            float textWidth = font.MeasureText(label);
            font.GetFontMetrics(out var metrics);
            float textHeight = metrics.Descent - metrics.Ascent;
            // Above the box when there is room, else inside it.
            bool above = rect.Top - textHeight - 3 >= 0;
            float top = above ? rect.Top - textHeight - 3 : rect.Top;
            fill.Color = color;
            canvas.DrawRect(new SKRect(rect.Left, top, rect.Left + textWidth + 4, top + textHeight + 3), fill);
            canvas.DrawText(label, rect.Left + 2, top + 1 - metrics.Ascent, SKTextAlign.Left, font, text);
        }
    }

    private static SKTypeface? FindTypeface()
    {
        // The fontconfig-free native build may have no default font; then try common font files.
        if (Usable(SKTypeface.Default))
            return SKTypeface.Default;
        string[] candidates =
        [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            "/System/Library/Fonts/Helvetica.ttc",
            @"C:\Windows\Fonts\arial.ttf",
        ];
        foreach (var file in candidates)
        {
            if (!File.Exists(file))
                continue;
            var face = SKTypeface.FromFile(file);
            if (Usable(face))
                return face;
            face?.Dispose();
        }
        return null;
    }

    private static bool Usable(SKTypeface? face)
    {
        if (face is null || face.GlyphCount == 0)
            return false;
        using var font = new SKFont(face, 12f);
        return font.ContainsGlyphs("person 0.5");
    }

    private static unsafe SKBitmap ToBitmap(RgbImage image)
    {
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var rgba = new Span<byte>((void*)bitmap.GetPixels(), image.Width * image.Height * 4);
        var rgb = image.Pixels;
        for (int i = 0, o = 0; i < rgb.Length; i += 3, o += 4)
        {
            rgba[o] = rgb[i];
            rgba[o + 1] = rgb[i + 1];
            rgba[o + 2] = rgb[i + 2];
            rgba[o + 3] = 255;
        }
        return bitmap;
    }

    private static unsafe RgbImage FromBitmap(SKBitmap bitmap)
    {
        var rgba = new ReadOnlySpan<byte>((void*)bitmap.GetPixels(), bitmap.Width * bitmap.Height * 4);
        var rgb = new byte[bitmap.Width * bitmap.Height * 3];
        for (int i = 0, o = 0; o < rgb.Length; i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }
        return new RgbImage(bitmap.Width, bitmap.Height, rgb);
    }
}
