using YoloCompress.Core.Calibration;

namespace YoloCompress.Core.Quantization;

/// <summary>Scale and zero point of a per-tensor quantized activation: real = (q - ZeroPoint) * Scale.</summary>
public readonly record struct QuantParams(float Scale, int ZeroPoint)
{
    /// <summary>Parameters covering <paramref name="range"/> (widened to contain zero).
    /// uint8: [min, max] over 0..255 with the zero point that makes 0 exact.
    /// int8: symmetric, scale max|x| / 127, zero point 0.</summary>
    public static QuantParams For(TensorRange range, ActivationType type)
    {
        var r = range.IncludingZero();
        if (type == ActivationType.Int8)
        {
            float t = r.MaxAbs;
            return new QuantParams(t > 1e-20f ? t / 127f : 1f, 0);
        }
        double span = (double)r.Max - r.Min;
        if (span <= 1e-20) return new QuantParams(1f, 0);
        float scale = (float)(span / 255.0);
        int zeroPoint = (int)Math.Clamp(Math.Round(-r.Min / (double)scale, MidpointRounding.ToEven), 0, 255);
        return new QuantParams(scale, zeroPoint);
    }
}
