namespace YoloCompress.Core.Calibration;

/// <summary>How <see cref="ActivationCalibrator"/> chooses ranges: the settings Calibration and
/// CalibrationPercentile, typed, with their defaults.</summary>
public sealed record CalibrationOptions
{
    /// <summary>The range selection method. Default <see cref="CalibrationMethod.Percentile"/>.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.Percentile;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the percentile kept, in (90, 100]. Default 99.999.</summary>
    public double Percentile { get; init; } = 99.999;

    /// <summary>Ranges symmetric around zero (for int8 symmetric activations) rather than asymmetric
    /// (uint8 with a zero point). Not a setting: the quantizer sets it from its ActivationType. Default false.</summary>
    public bool Symmetric { get; init; }

    /// <summary>Histogram bins per tensor for the histogram methods. 2048 (TensorRT's choice) resolves
    /// the body of a distribution whose range an outlier stretches tenfold into ~200 bins, still
    /// nearly one bin per uint8 step. Default 2048.</summary>
    public int HistogramBins { get; init; } = 2048;

    /// <summary>ONNX Runtime intra-op threads while running calibration images; 0 lets it choose. Default 0.</summary>
    public int Threads { get; init; }

    /// <summary>Throws when a value is out of range; messages name the setting.</summary>
    public void Validate()
    {
        if (!(Percentile > 90 && Percentile <= 100))
            throw new ArgumentException(FormattableString.Invariant(
                $"Setting 'CalibrationPercentile': {Percentile} is outside (90, 100]; it is the percentile of values kept, e.g. 99.999."));
        if (HistogramBins < 256 || HistogramBins > 1 << 16)
            throw new ArgumentException($"Calibration histogram bins: {HistogramBins} is outside [256, 65536].");
        if (Threads < 0)
            throw new ArgumentException($"Calibration threads: {Threads} is negative.");
        if (!Enum.IsDefined(Method))
            throw new ArgumentException($"Setting 'Calibration': unknown method {(int)Method}.");
    }
}
