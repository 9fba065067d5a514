namespace YoloCompress.Core.Quantization;

/// <summary>What the quantize stage did, for the .yolo.json metadata and the report. Plain records
/// (System.Text.Json serialises them as they are); lists are in graph order.</summary>
public sealed record QuantizationReport
{
    /// <summary>none, int8, fp16 or int8-weight-only.</summary>
    public required string Mode { get; init; }

    /// <summary>uint8 or int8 (static int8 only).</summary>
    public string? ActivationType { get; init; }

    /// <summary>How the head convs were quantized (<c>float</c> or <c>int8</c>; <c>auto</c> resolved), static int8 only.</summary>
    public string? HeadConvs { get; init; }

    /// <summary>The calibration method (static int8 only).</summary>
    public string? Calibration { get; init; }

    /// <summary>The percentile, when the method is percentile.</summary>
    public double? CalibrationPercentile { get; init; }

    /// <summary>Number of calibration images.</summary>
    public int? CalibrationImages { get; init; }

    /// <summary>Number of nodes computing in the quantized type, by op type (ordinal order).</summary>
    public IReadOnlyDictionary<string, int> QuantizedNodes { get; init; } = new SortedDictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Every quantized activation tensor.</summary>
    public IReadOnlyList<ActivationQuantizationRecord> Activations { get; init; } = Array.Empty<ActivationQuantizationRecord>();

    /// <summary>Every quantized weight.</summary>
    public IReadOnlyList<WeightQuantizationRecord> Weights { get; init; } = Array.Empty<WeightQuantizationRecord>();

    /// <summary>Nodes left float, and why.</summary>
    public IReadOnlyList<FloatNodeRecord> FloatNodes { get; init; } = Array.Empty<FloatNodeRecord>();

    /// <summary>KeepFloat entries that matched no node.</summary>
    public IReadOnlyList<string> UnmatchedKeepFloat { get; init; } = Array.Empty<string>();
}

/// <summary>One quantized activation: the range seen on calibration images, the range chosen
/// (clipped by the calibration method), and the resulting scale and zero point.</summary>
/// <param name="ParametersFrom">For a pass-through op's output, the tensor whose parameters it
/// reuses; null when calibrated itself.</param>
public sealed record ActivationQuantizationRecord(
    string Tensor, string Type, float ObservedMin, float ObservedMax, float Min, float Max,
    float Scale, int ZeroPoint, string? ParametersFrom);

/// <summary>One quantized weight: int8 symmetric per output channel (zero point 0), with a summary of
/// its channel scales, and its bias (int32, scale input_scale * weight_scale[c]) if any.</summary>
/// <param name="BiasClamped">Bias values that exceeded int32 and were clamped (normally 0).</param>
public sealed record WeightQuantizationRecord(
    string Node, string Weight, string Type, int Axis, int Channels,
    float ScaleMin, float ScaleMax, float ScaleMean, string? Bias, int BiasClamped);
