namespace YoloCompress.Runtime;

/// <summary>The byte order of an 8-bit interleaved pixel, as cameras, video decoders and UI toolkits hand frames over.
/// Alpha (or the padding byte of an RGBX frame) is ignored, not composited, as for decoded images.</summary>
public enum PixelFormat
{
    /// <summary>R, G, B: 3 bytes a pixel (<see cref="RgbImage"/>'s layout).</summary>
    Rgb24,

    /// <summary>B, G, R: 3 bytes a pixel (OpenCV's <c>Mat</c>, most video decoders).</summary>
    Bgr24,

    /// <summary>R, G, B, A: 4 bytes a pixel (RGBX too).</summary>
    Rgba32,

    /// <summary>B, G, R, A: 4 bytes a pixel (Windows bitmaps, SkiaSharp's default on little-endian machines).</summary>
    Bgra32,
}

/// <summary>The shape of a raw frame: <see cref="Width"/> x <see cref="Height"/> pixels of <see cref="Format"/>, rows
/// <see cref="Stride"/> bytes apart (a row may be padded, e.g. to 4 or 64 bytes).</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Format">The byte order of a pixel.</param>
/// <param name="Stride">Bytes from the start of one row to the next; 0 means packed rows (width x bytes a pixel).</param>
public readonly record struct FrameLayout(int Width, int Height, PixelFormat Format, int Stride = 0)
{
    /// <summary>Bytes a pixel: 3 or 4.</summary>
    public int BytesPerPixel => Format is PixelFormat.Rgba32 or PixelFormat.Bgra32 ? 4 : 3;

    /// <summary>The bytes of one row's pixels, without padding.</summary>
    public int RowBytes => Width * BytesPerPixel;

    /// <summary>The stride in use: <see cref="Stride"/>, or <see cref="RowBytes"/> where it is 0.</summary>
    public int RowPitch => Stride == 0 ? RowBytes : Stride;

    /// <summary>The smallest buffer that holds the frame: every row but the last at the stride, the last unpadded.</summary>
    public long RequiredBytes => Height <= 0 ? 0 : (long)(Height - 1) * RowPitch + RowBytes;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the sizes where the layout is impossible or a
    /// <paramref name="bufferLength"/>-byte buffer cannot hold it.</summary>
    public void Validate(long bufferLength, string parameterName = "pixels")
    {
        if (Width <= 0 || Height <= 0)
            throw new ArgumentException($"A frame of {Width}x{Height} pixels has no pixels; width and height must be positive.", parameterName);
        if (!Enum.IsDefined(Format))
            throw new ArgumentException($"Pixel format {(int)Format} is not one of {string.Join(", ", Enum.GetNames<PixelFormat>())}.", parameterName);
        if (Stride != 0 && Stride < RowBytes)
            throw new ArgumentException($"A stride of {Stride} bytes is below the row size of a {Width}-pixel {Format} row ({Width} x {BytesPerPixel} = {RowBytes} bytes).", parameterName);
        if (bufferLength < RequiredBytes)
            throw new ArgumentException($"A {Width}x{Height} {Format} frame with a stride of {RowPitch} bytes needs {RequiredBytes} bytes "
                + $"({Width} x {Height} x {BytesPerPixel}{(RowPitch == RowBytes ? "" : " plus row padding")}); the buffer holds {bufferLength}.", parameterName);
    }
}

/// <summary>A raw frame that can be kept in a list (for batches): its pixels and their layout. The pixels are not
/// copied; the caller keeps them unchanged until the call that reads them returns.</summary>
/// <param name="Pixels">The frame's bytes, at least <see cref="FrameLayout.RequiredBytes"/> of them.</param>
/// <param name="Layout">Size, pixel format and stride.</param>
public readonly record struct Frame(ReadOnlyMemory<byte> Pixels, FrameLayout Layout);
