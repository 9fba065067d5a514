namespace YoloCompress.Core.Calibration;

/// <summary>How an activation's quantization range is chosen from the values seen on calibration images.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest values seen. Never clips; one outlier widens every step.</summary>
    MinMax,

    /// <summary>Clips the given percentile of the distribution on each side (of |x| when symmetric).</summary>
    Percentile,

    /// <summary>The clipping range whose quantized distribution is closest to the original in KL
    /// divergence (TensorRT's entropy calibrator, over a histogram).</summary>
    Entropy,

    /// <summary>The clipping range that minimises the expected squared quantization error (rounding
    /// noise inside the range plus clipping error outside), over a histogram.</summary>
    Mse,
}

/// <summary>The setting names of <see cref="CalibrationMethod"/>.</summary>
public static class CalibrationMethods
{
    public static string ToSettingName(this CalibrationMethod method) => method switch
    {
        CalibrationMethod.MinMax => "minmax",
        CalibrationMethod.Percentile => "percentile",
        CalibrationMethod.Entropy => "entropy",
        CalibrationMethod.Mse => "mse",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };
}
