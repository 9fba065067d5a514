namespace YoloCompress.Core.Calibration;

/// <summary>Immutable per-tensor ranges produced by <see cref="ActivationCalibrator"/>; ordered by tensor
/// name (ordinal) so that anything written from it is deterministic.</summary>
public sealed class CalibrationResult
{
    private readonly SortedDictionary<string, TensorCalibration> _tensors;

    public CalibrationResult(CalibrationOptions options, int imageCount, IEnumerable<KeyValuePair<string, TensorCalibration>> tensors)
    {
        Options = options;
        ImageCount = imageCount;
        _tensors = new SortedDictionary<string, TensorCalibration>(StringComparer.Ordinal);
        foreach (var (name, calibration) in tensors) _tensors.Add(name, calibration);
    }

    public CalibrationOptions Options { get; }

    /// <summary>Number of inputs the ranges were computed from.</summary>
    public int ImageCount { get; }

    /// <summary>Every calibrated tensor, ordered by name.</summary>
    public IReadOnlyDictionary<string, TensorCalibration> Tensors => _tensors;

    public bool Contains(string tensor) => _tensors.ContainsKey(tensor);

    /// <exception cref="KeyNotFoundException">The tensor was not calibrated; the message names it.</exception>
    public TensorCalibration this[string tensor] =>
        _tensors.TryGetValue(tensor, out var c) ? c
            : throw new KeyNotFoundException($"Tensor '{tensor}' was not calibrated.");
}
