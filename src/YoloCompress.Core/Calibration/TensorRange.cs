namespace YoloCompress.Core.Calibration;

/// <summary>A closed range of real values a tensor is quantized over.</summary>
public readonly record struct TensorRange(float Min, float Max)
{
    /// <summary>The same range widened so that it contains zero: quantization needs zero to be exactly
    /// representable (zero padding, ReLU-like zeros), as every int8 runtime assumes.</summary>
    public TensorRange IncludingZero() => new(Math.Min(Min, 0f), Math.Max(Max, 0f));

    /// <summary>The largest magnitude in the range.</summary>
    public float MaxAbs => Math.Max(Math.Abs(Min), Math.Abs(Max));

    public override string ToString() => FormattableString.Invariant($"[{Min:G6}, {Max:G6}]");
}

/// <summary>What calibration learned about one tensor: the values it actually took and the range
/// chosen to quantize it over (equal for min-max; narrower when a method clips outliers).</summary>
public readonly record struct TensorCalibration(TensorRange Observed, TensorRange Selected);
