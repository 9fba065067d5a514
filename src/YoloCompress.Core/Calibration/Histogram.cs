namespace YoloCompress.Core.Calibration;

/// <summary>Counts of values in equal-width bins over a fixed range. The range is known before the
/// first value arrives (from a min/max pass), so adding values never re-bins: counts are exact
/// integers and the result does not depend on the order images come in.</summary>
internal sealed class Histogram
{
    private readonly long[] _counts;
    private readonly float _scale; // bins per unit

    /// <summary>Bin edges a range search tries: every index from..to while there are at most this many,
    /// else evenly strided ones.</summary>
    private const int MaxCandidates = 512;

    /// <summary>Edge indices from..to inclusive, strided to at most <see cref="MaxCandidates"/>, always
    /// including both ends (empty when to &lt; from). Shared by the entropy and MSE searches.</summary>
    public static IEnumerable<int> CandidateEdges(int from, int to)
    {
        if (to < from) yield break;
        int stride = Math.Max(1, (to - from + MaxCandidates - 1) / MaxCandidates);
        for (int k = from; k < to; k += stride) yield return k;
        yield return to;
    }

    public Histogram(float min, float max, int bins)
    {
        if (!(max >= min) || !float.IsFinite(min) || !float.IsFinite(max))
            throw new ArgumentException($"Histogram range [{min}, {max}] is not a finite interval.");
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        Min = min;
        Max = max;
        _counts = new long[bins];
        // A degenerate range (a constant tensor) still gets a positive width so values land in bin 0.
        Width = max > min ? (max - min) / bins : 1f / bins;
        _scale = 1f / Width;
    }

    /// <summary>Builds a histogram from counts (tests, folding).</summary>
    public Histogram(float min, float max, long[] counts) : this(min, max, counts.Length)
    {
        counts.CopyTo(_counts, 0);
        Total = counts.Sum();
    }

    public float Min { get; }

    public float Max { get; }

    public float Width { get; }

    public int Bins => _counts.Length;

    public ReadOnlySpan<long> Counts => _counts;

    public long Total { get; private set; }

    public float Edge(int i) => Min + i * Width;

    public float Center(int i) => Min + (i + 0.5f) * Width;

    /// <summary>Adds values; values outside [Min, Max] (none, when the range came from a min/max pass
    /// over the same data) land in the end bins.</summary>
    public void Add(ReadOnlySpan<float> values)
    {
        var counts = _counts;
        int last = counts.Length - 1;
        float min = Min, scale = _scale;
        foreach (var v in values)
        {
            int bin = (int)((v - min) * scale);
            counts[bin < 0 ? 0 : bin > last ? last : bin]++;
        }
        Total += values.Length;
    }

    /// <summary>The histogram of |x| over [0, max |x|] with as many bins: what symmetric
    /// quantization sees. Each bin's count moves to the bin of its centre's magnitude.</summary>
    public Histogram FoldAbsolute()
    {
        float maxAbs = Math.Max(Math.Abs(Min), Math.Abs(Max));
        var folded = new Histogram(0f, maxAbs, Bins);
        var target = folded._counts;
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] == 0) continue;
            int bin = (int)(Math.Abs(Center(i)) * folded._scale);
            target[Math.Min(bin, target.Length - 1)] += _counts[i];
        }
        folded.Total = Total;
        return folded;
    }

    /// <summary>The same histogram with at most <paramref name="bins"/> bins, adjacent bins merged
    /// (a whole number of them per new bin, so edges stay edges).</summary>
    public Histogram Coarsen(int bins)
    {
        if (bins >= Bins) return this;
        int factor = (Bins + bins - 1) / bins;
        int count = (Bins + factor - 1) / factor;
        var merged = new long[count];
        for (int i = 0; i < _counts.Length; i++) merged[i / factor] += _counts[i];
        return new Histogram(Min, Min + count * factor * Width, merged);
    }

    /// <summary>The value below which <paramref name="fraction"/> of the counts lie, interpolated
    /// linearly inside the bin where it falls.</summary>
    public float Quantile(double fraction)
    {
        if (Total == 0) return Min;
        double target = Math.Clamp(fraction, 0, 1) * Total;
        long cumulative = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            long next = cumulative + _counts[i];
            if (next >= target && _counts[i] > 0)
            {
                double inside = (target - cumulative) / _counts[i];
                return (float)(Edge(i) + inside * Width);
            }
            cumulative = next;
        }
        return Max;
    }
}
