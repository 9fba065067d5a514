namespace YoloCompress.Runtime;

/// <summary>Resizes 8-bit RGB images the way OpenCV's <c>cv2.resize(..., INTER_LINEAR)</c> does,
/// so that what the model sees matches the reference implementation closely. Frames of another channel order or
/// with alpha (BGR, RGBA, BGRA, a row stride) are read as they are and come out packed RGB.</summary>
/// <remarks>
/// Half-pixel centres (<c>src = (dst + 0.5) * scale - 0.5</c>), two taps per axis even when
/// shrinking (no area averaging), edges clamped. Arithmetic is OpenCV's fixed point: weights
/// scaled by 2048 and rounded, a horizontal pass into 32-bit sums, then the vertical pass with
/// the rounding of OpenCV's SIMD kernel (<c>VResizeLinearVec_32s8u</c>), which handles every pixel
/// of typical widths. Integer-only, hence deterministic on every machine.
/// </remarks>
internal sealed class BilinearResize
{
    private const int CoefBits = 11;
    private const int CoefScale = 1 << CoefBits;

    private readonly int _srcWidth, _srcHeight, _dstWidth, _dstHeight, _bytesPerPixel;
    private readonly int[] _xOffset0, _xOffset1;   // per destination column: source byte offsets
    private readonly short[] _alpha0, _alpha1;     // per destination column: tap weights
    private readonly int[] _yRow0, _yRow1;         // per destination row: source rows
    private readonly short[] _beta0, _beta1;       // per destination row: tap weights

    public BilinearResize(int srcWidth, int srcHeight, int dstWidth, int dstHeight, int bytesPerPixel = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(srcWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(srcHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dstWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dstHeight);
        (_srcWidth, _srcHeight, _dstWidth, _dstHeight, _bytesPerPixel) = (srcWidth, srcHeight, dstWidth, dstHeight, bytesPerPixel);

        (int[] x0, int[] x1, short[] a0, short[] a1) = Taps(srcWidth, dstWidth);
        _xOffset0 = Array.ConvertAll(x0, x => x * bytesPerPixel);
        _xOffset1 = Array.ConvertAll(x1, x => x * bytesPerPixel);
        (_alpha0, _alpha1) = (a0, a1);
        (_yRow0, _yRow1, _beta0, _beta1) = Taps(srcHeight, dstHeight);
    }

    /// <summary>For one axis: the two source indices and fixed-point weights of each destination index.</summary>
    private static (int[] Index0, int[] Index1, short[] Weight0, short[] Weight1) Taps(int srcSize, int dstSize)
    {
        var index0 = new int[dstSize];
        var index1 = new int[dstSize];
        var weight0 = new short[dstSize];
        var weight1 = new short[dstSize];
        double scale = 1.0 / ((double)dstSize / srcSize); // as OpenCV: 1 / inv_scale
        for (int d = 0; d < dstSize; d++)
        {
            float f = (float)((d + 0.5) * scale - 0.5);
            int s = (int)MathF.Floor(f);
            f -= s;
            if (s < 0)
                (s, f) = (0, 0f);
            if (s >= srcSize - 1)
                (s, f) = (srcSize - 1, 0f);
            index0[d] = s;
            index1[d] = Math.Min(s + 1, srcSize - 1);
            weight0[d] = SaturateShort((1f - f) * CoefScale);
            weight1[d] = SaturateShort(f * CoefScale);
        }
        return (index0, index1, weight0, weight1);
    }

    // OpenCV's saturate_cast<short>(float): round half to even, then clamp.
    private static short SaturateShort(float value) =>
        (short)Math.Clamp((int)MathF.Round(value, MidpointRounding.ToEven), short.MinValue, short.MaxValue);

    /// <summary>Resizes <paramref name="src"/> (srcWidth x srcHeight RGB) into <paramref name="dst"/>
    /// (dstWidth x dstHeight RGB).</summary>
    public void Resize(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        if (src.Length < _srcWidth * 3 * _srcHeight)
            throw new ArgumentException("Source buffer too small.", nameof(src));
        Resize(SourcePixels.Rgb(src, _srcWidth, _srcHeight), dst);
    }

    /// <summary>Resizes a frame of any channel order and stride (made with its bytes a pixel) into packed RGB
    /// <paramref name="dst"/> (dstWidth x dstHeight): the channels are reordered as they are read.</summary>
    public void Resize(in SourcePixels src, Span<byte> dst)
    {
        int dstRowBytes = _dstWidth * 3;
        if (src.Width != _srcWidth || src.Height != _srcHeight || src.BytesPerPixel != _bytesPerPixel)
            throw new ArgumentException($"The resize is set up for {_srcWidth}x{_srcHeight} at {_bytesPerPixel} bytes a pixel, not {src.Width}x{src.Height} at {src.BytesPerPixel}.", nameof(src));
        if (dst.Length < dstRowBytes * _dstHeight)
            throw new ArgumentException("Destination buffer too small.", nameof(dst));

        // Horizontally resized source rows, cached: consecutive destination rows share source rows.
        var cache = new RowCache(dstRowBytes);
        for (int dy = 0; dy < _dstHeight; dy++)
        {
            int[] h0 = cache.Get(_yRow0[dy], this, src);
            int[] h1 = cache.Get(_yRow1[dy], this, src);
            int b0 = _beta0[dy], b1 = _beta1[dy];
            var outRow = dst.Slice(dy * dstRowBytes, dstRowBytes);
            for (int i = 0; i < outRow.Length; i++)
            {
                // OpenCV SIMD rounding: mul_hi on (sum >> 4), then (x + 2) >> 2, saturated.
                int v = ((b0 * (h0[i] >> 4)) >> 16) + ((b1 * (h1[i] >> 4)) >> 16);
                outRow[i] = (byte)Math.Clamp((v + 2) >> 2, 0, 255);
            }
        }
    }

    /// <summary>The two most recent horizontally resized source rows.</summary>
    private sealed class RowCache(int rowBytes)
    {
        private readonly int[] _rowA = new int[rowBytes], _rowB = new int[rowBytes];
        private int _indexA = -1, _indexB = -1;

        public int[] Get(int sy, BilinearResize owner, in SourcePixels src)
        {
            if (sy == _indexA) return _rowA;
            if (sy == _indexB) return _rowB;
            // Rows only go down: replace the older (lower) one.
            bool replaceA = _indexA < _indexB;
            var target = replaceA ? _rowA : _rowB;
            owner.HorizontalPass(src.Row(sy), src.Red, src.Blue, target);
            if (replaceA) _indexA = sy; else _indexB = sy;
            return target;
        }
    }

    private void HorizontalPass(ReadOnlySpan<byte> srcRow, int red, int blue, int[] target)
    {
        for (int dx = 0, o = 0; dx < _dstWidth; dx++, o += 3)
        {
            int s0 = _xOffset0[dx], s1 = _xOffset1[dx];
            int a0 = _alpha0[dx], a1 = _alpha1[dx];
            target[o] = srcRow[s0 + red] * a0 + srcRow[s1 + red] * a1;
            target[o + 1] = srcRow[s0 + 1] * a0 + srcRow[s1 + 1] * a1;
            target[o + 2] = srcRow[s0 + blue] * a0 + srcRow[s1 + blue] * a1;
        }
    }
}
