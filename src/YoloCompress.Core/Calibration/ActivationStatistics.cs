using System.Numerics.Tensors;
using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Calibration;

/// <summary>What calibration images did to each tensor: its observed range and (unless only min-max
/// was asked for) a histogram over that range. Range selection (<see cref="Select"/>) is separate, so
/// one collection serves every method.</summary>
public sealed class ActivationStatistics
{
    private readonly string[] _names;
    private readonly TensorRange[] _observed;
    private readonly Histogram[]? _histograms;

    private ActivationStatistics(string[] names, TensorRange[] observed, Histogram[]? histograms, int images) =>
        (_names, _observed, _histograms, ImageCount) = (names, observed, histograms, images);

    public int ImageCount { get; }

    public IReadOnlyList<string> Tensors => _names;

    /// <param name="bins">Histogram bins; 0 for min and max only (one pass).</param>
    public static ActivationStatistics Collect(ModelProto model, IReadOnlyList<string> tensors, IEnumerable<float[]> inputs,
        int bins, int threads = 0, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(inputs);
        var names = tensors.Distinct(StringComparer.Ordinal).ToArray();
        var graphInputs = model.Graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var collected = names.Where(n => !graphInputs.Contains(n)).ToArray();
        // ONNX Runtime refuses a run with no outputs: with nothing but graph inputs to watch, no session.
        using var collector = collected.Length > 0 ? new ActivationCollector(model, collected, threads) : null;

        // Pass 1: min and max.
        var min = Enumerable.Repeat(float.PositiveInfinity, names.Length).ToArray();
        var max = Enumerable.Repeat(float.NegativeInfinity, names.Length).ToArray();
        int images = ForEachTensor(collector, names, graphInputs, inputs, cancellation, (i, values) =>
        {
            var (lo, hi) = MinMax(values, names[i]);
            min[i] = Math.Min(min[i], lo);
            max[i] = Math.Max(max[i], hi);
        });
        if (images == 0)
            throw new ArgumentException("Calibration needs at least one input image; none was given.", nameof(inputs));
        var observed = names.Select((_, i) => new TensorRange(min[i], max[i])).ToArray();
        if (bins <= 0) return new ActivationStatistics(names, observed, null, images);

        // Pass 2: histograms over the observed ranges.
        var histograms = observed.Select(r => new Histogram(r.Min, r.Max, bins)).ToArray();
        int second = ForEachTensor(collector, names, graphInputs, inputs, cancellation, (i, values) => histograms[i].Add(values));
        if (second != images)
            throw new ArgumentException($"The calibration inputs changed between passes ({images} then {second} images); the sequence must be re-enumerable.", nameof(inputs));
        return new ActivationStatistics(names, observed, histograms, images);
    }

    /// <summary>Chooses every tensor's range with <paramref name="options"/>' method.</summary>
    /// <exception cref="InvalidOperationException">A histogram method on statistics collected without histograms.</exception>
    public CalibrationResult Select(CalibrationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var selected = new TensorCalibration[_names.Length];
        for (int i = 0; i < _names.Length; i++)
        {
            var observed = _observed[i];
            TensorRange range;
            if (options.Method == CalibrationMethod.MinMax)
                range = options.Symmetric ? new TensorRange(-observed.MaxAbs, observed.MaxAbs) : observed.IncludingZero();
            else
            {
                var h = _histograms?[i] ?? throw new InvalidOperationException(
                    $"Calibration method {options.Method.ToSettingName()} needs histograms; these statistics hold min and max only.");
                if (h.Bins != options.HistogramBins)
                    throw new InvalidOperationException($"Histograms have {h.Bins} bins; the options ask for {options.HistogramBins}.");
                range = options.Method switch
                {
                    CalibrationMethod.Percentile => PercentileRange.Select(h, options.Percentile, options.Symmetric),
                    CalibrationMethod.Entropy => EntropyRange.Select(h, options.Symmetric),
                    CalibrationMethod.Mse => MseRange.Select(h, options.Symmetric),
                    _ => throw new InvalidOperationException($"Unhandled calibration method {options.Method}."),
                };
            }
            selected[i] = new TensorCalibration(observed, range);
        }
        return new CalibrationResult(options, ImageCount, _names.Select((n, i) => KeyValuePair.Create(n, selected[i])));
    }

    private static int ForEachTensor(ActivationCollector? collector, string[] names, HashSet<string> graphInputs,
        IEnumerable<float[]> inputs, CancellationToken cancellation, Action<int, ReadOnlySpan<float>> visit)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++) index[names[i]] = i;
        int count = 0;
        foreach (var input in inputs)
        {
            cancellation.ThrowIfCancellationRequested();
            for (int i = 0; i < names.Length; i++)
                if (graphInputs.Contains(names[i])) visit(i, input);
            collector?.Run(input, (name, values, _) => visit(index[name], values));
            count++;
        }
        return count;
    }

    private static (float Min, float Max) MinMax(ReadOnlySpan<float> values, string tensor)
    {
        if (values.IsEmpty) return (0f, 0f);
        // TensorPrimitives' Min and Max return NaN when any value is NaN, so one check covers both.
        float lo = TensorPrimitives.Min(values), hi = TensorPrimitives.Max(values);
        if (!float.IsFinite(lo) || !float.IsFinite(hi))
            throw new InvalidDataException($"Calibration: tensor '{tensor}' took a NaN or infinite value.");
        return (lo, hi);
    }
}
