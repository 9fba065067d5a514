using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace YoloCompress.Runtime;

public static partial class Letterbox
{
    // x / 255f for every byte: the same floats as the division, without a division a channel.
    private static readonly float[] UnitScale = Enumerable.Range(0, 256).Select(v => v / 255f).ToArray();

    /// <summary>Letterboxes a raw frame (any <see cref="PixelFormat"/>, any stride) as <paramref name="geometry"/>
    /// plans it into the start of <paramref name="destination"/> (float CHW, RGB, 0..1). The frame is read where it
    /// lies: the resize (or, at the input's own size, the fill) reorders the channels as it reads them.</summary>
    /// <exception cref="ArgumentException">The buffer is shorter than the layout needs, or the stride below a row (the
    /// message names the sizes).</exception>
    public static LetterboxTransform Apply(ReadOnlySpan<byte> pixels, in FrameLayout layout, Span<float> destination, InputGeometry geometry)
    {
        var source = SourcePixels.Of(pixels, layout);
        return Apply(source, destination, geometry.Plan(layout.Width, layout.Height));
    }

    internal static LetterboxTransform Apply(in SourcePixels source, Span<float> destination, in LetterboxTransform t)
    {
        int inputWidth = t.InputWidth, inputHeight = t.InputHeight, plane = inputWidth * inputHeight;
        if (source.Width != t.SourceWidth || source.Height != t.SourceHeight)
            throw new ArgumentException($"The plan is for a {t.SourceWidth}x{t.SourceHeight} image, not {source.Width}x{source.Height}.", "image");
        if (destination.Length < 3 * plane)
            throw new ArgumentException($"The destination holds {destination.Length} floats; a 3x{inputHeight}x{inputWidth} input needs {3 * plane}.", nameof(destination));

        if (t.ResizedWidth == source.Width && t.ResizedHeight == source.Height)
        {
            Fill(destination[..(3 * plane)], t, source, inputWidth); // ultralytics skips cv2.resize when the size is unchanged
            return t;
        }

        // The one copy the letterbox needs: the resized image, packed RGB, in a pooled buffer.
        int bytes = t.ResizedWidth * t.ResizedHeight * 3;
        byte[] rented = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            new BilinearResize(source.Width, source.Height, t.ResizedWidth, t.ResizedHeight, source.BytesPerPixel)
                .Resize(source, rented.AsSpan(0, bytes));
            Fill(destination[..(3 * plane)], t, SourcePixels.Rgb(rented.AsSpan(0, bytes), t.ResizedWidth, t.ResizedHeight), inputWidth);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return t;
    }

    /// <summary>Pads <paramref name="chw"/> with the grey and places <paramref name="resized"/> (the image at its
    /// letterboxed size) at the plan's offset, one plane a channel.</summary>
    private static void Fill(Span<float> chw, in LetterboxTransform t, in SourcePixels resized, int inputWidth)
    {
        int plane = chw.Length / 3, inputHeight = plane / inputWidth;
        chw.Fill(PadValue / 255f);
        // Rows/columns that fall outside the input (cannot happen with the rounding above, but
        // cv2.copyMakeBorder would equally not produce them) are skipped defensively.
        int rows = Math.Min(resized.Height, inputHeight - t.Top);
        int cols = Math.Min(resized.Width, inputWidth - t.Left);
        int step = resized.BytesPerPixel, red = resized.Red, blue = resized.Blue;
        // The hot loop of the whole preprocessing (a float per channel per pixel): unchecked reads, the bounds are
        // those of the spans above (rows and cols clipped to the input, rows read within the view).
        ref float scale = ref MemoryMarshal.GetArrayDataReference(UnitScale);
        ref float r = ref MemoryMarshal.GetReference(chw);
        ref float g = ref Unsafe.Add(ref r, plane);
        ref float b = ref Unsafe.Add(ref r, 2 * plane);
        for (int y = 0; y < rows; y++)
        {
            ref byte src = ref MemoryMarshal.GetReference(resized.Row(y));
            int o = (t.Top + y) * inputWidth + t.Left;
            for (int x = 0, s = 0; x < cols; x++, s += step)
            {
                Unsafe.Add(ref r, o + x) = Unsafe.Add(ref scale, Unsafe.Add(ref src, s + red));
                Unsafe.Add(ref g, o + x) = Unsafe.Add(ref scale, Unsafe.Add(ref src, s + 1));
                Unsafe.Add(ref b, o + x) = Unsafe.Add(ref scale, Unsafe.Add(ref src, s + blue));
            }
        }
    }
}
