using SkiaSharp;

namespace YoloCompress.Runtime;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels interleaved (HWC, R G B).</summary>
/// <remarks>Decoding follows OpenCV's <c>imread(IMREAD_COLOR)</c>, which the reference
/// implementation uses: the EXIF orientation is applied, alpha is dropped (not composited),
/// grey images are replicated to three channels, no colour-profile conversion.</remarks>
public sealed class RgbImage
{
    /// <summary>Wraps existing pixels (not copied): <paramref name="pixels"/> holds
    /// <c>width * height * 3</c> bytes, row-major RGB.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != checked(width * height * 3))
            throw new ArgumentException($"An RGB image of {width}x{height} needs {width * height * 3} bytes, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Row-major RGB bytes, <c>Width * Height * 3</c> of them.</summary>
    public byte[] Pixels { get; }

    /// <summary>The bytes of row <paramref name="y"/>.</summary>
    public Span<byte> Row(int y) => Pixels.AsSpan(y * Width * 3, Width * 3);

    /// <summary>Decodes a JPEG, PNG, BMP, WebP or GIF file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable image (the message names it).</exception>
    public static RgbImage Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        return Decode(File.ReadAllBytes(path), path);
    }

    /// <summary>Decodes an encoded image read from <paramref name="stream"/> (read to its end).</summary>
    public static RgbImage Decode(Stream stream, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), sourceName);
    }

    /// <summary>Decodes an encoded image held in memory.</summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="sourceName">Names the image in error messages (a path, a URL...).</param>
    public static unsafe RgbImage Decode(ReadOnlySpan<byte> encoded, string sourceName = "memory")
    {
        if (encoded.IsEmpty)
            throw new InvalidDataException($"Image '{sourceName}' is empty (0 bytes).");

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new InvalidDataException($"Image '{sourceName}' is not a readable image (unknown or corrupt format; JPEG, PNG, BMP, WebP and GIF are supported).");

        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0)
            throw new InvalidDataException($"Image '{sourceName}' has an invalid size {width}x{height}.");

        // Unpremultiplied and without a colour space: the stored samples as they are, like OpenCV.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize64];
        SKCodecResult result;
        fixed (byte* p = rgba)
            result = codec.GetPixels(info, (IntPtr)p);
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"Image '{sourceName}' could not be decoded: {Describe(result)}.");

        return ImageOrientation.ToRgb(rgba, width, height, codec.EncodedOrigin);
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated (incomplete data)",
        SKCodecResult.ErrorInInput => "the data is corrupt",
        SKCodecResult.InvalidInput => "the data is invalid",
        _ => "decoder result " + result,
    };
}

/// <summary>Turns decoded RGBA into upright RGB, applying the EXIF orientation as OpenCV does.</summary>
internal static class ImageOrientation
{
    public static RgbImage ToRgb(byte[] rgba, int width, int height, SKEncodedOrigin origin)
    {
        bool swapsAxes = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int outWidth = swapsAxes ? height : width;
        int outHeight = swapsAxes ? width : height;
        var rgb = new byte[checked(outWidth * outHeight * 3)];

        if (origin is SKEncodedOrigin.TopLeft or SKEncodedOrigin.Default)
        {
            int pixelCount = width * height;
            for (int i = 0, o = 0; i < pixelCount; i++, o += 3)
            {
                int s = i * 4;
                rgb[o] = rgba[s];
                rgb[o + 1] = rgba[s + 1];
                rgb[o + 2] = rgba[s + 2];
            }
            return new RgbImage(outWidth, outHeight, rgb);
        }

        // For each output pixel (ox, oy), the source pixel it shows.
        for (int oy = 0; oy < outHeight; oy++)
        {
            for (int ox = 0; ox < outWidth; ox++)
            {
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (width - 1 - ox, oy),              // mirror horizontally
                    SKEncodedOrigin.BottomRight => (width - 1 - ox, height - 1 - oy), // rotate 180
                    SKEncodedOrigin.BottomLeft => (ox, height - 1 - oy),            // mirror vertically
                    SKEncodedOrigin.LeftTop => (oy, ox),                            // transpose
                    SKEncodedOrigin.RightTop => (oy, height - 1 - ox),              // rotate 90 clockwise
                    SKEncodedOrigin.RightBottom => (width - 1 - oy, height - 1 - ox), // transverse
                    SKEncodedOrigin.LeftBottom => (width - 1 - oy, ox),             // rotate 90 counter-clockwise
                    _ => (ox, oy),
                };
                int s = (sy * width + sx) * 4, o = (oy * outWidth + ox) * 3;
                rgb[o] = rgba[s];
                rgb[o + 1] = rgba[s + 1];
                rgb[o + 2] = rgba[s + 2];
            }
        }
        return new RgbImage(outWidth, outHeight, rgb);
    }
}
