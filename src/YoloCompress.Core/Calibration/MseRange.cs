namespace YoloCompress.Core.Calibration;

/// <summary>The clipping range [a, b] that minimises the expected squared error of quantizing the
/// histogram's values: values inside get rounding noise s²/12 (s = (b - a) / steps), values outside
/// are clipped to the nearest bound. With prefix sums of counts, x and x² every candidate costs O(1),
/// so asymmetric ranges are searched over both bounds jointly rather than by shrinking a symmetric window.</summary>
internal static class MseRange
{
    public static TensorRange Select(Histogram histogram, bool symmetric)
    {
        if (histogram.Total == 0) return new TensorRange(0, 0);
        if (symmetric)
        {
            var folded = histogram.FoldAbsolute();
            var sums = new PrefixSums(folded);
            float t = BestUpper(folded, sums, lowerIndex: 0, lower: 0f, steps: 127).Bound;
            return new TensorRange(-t, t);
        }
        return SelectAsymmetric(histogram, steps: 255);
    }

    private static TensorRange SelectAsymmetric(Histogram h, int steps)
    {
        var sums = new PrefixSums(h);
        // Lower bounds are edges at or below zero; with no negative values the bound is zero itself.
        int zeroEdge = h.Min < 0 ? Math.Min(h.Bins, (int)Math.Floor(-h.Min / h.Width)) : 0;
        var best = (Error: double.MaxValue, Lower: 0f, Upper: 0f);
        foreach (int i in Histogram.CandidateEdges(0, zeroEdge))
        {
            float a = h.Min < 0 ? Math.Min(h.Edge(i), 0f) : 0f;
            var (upper, error) = BestUpper(h, sums, i, a, steps);
            if (error < best.Error) best = (error, a, upper);
        }
        return new TensorRange(best.Lower, best.Upper).IncludingZero();
    }

    /// <summary>For a fixed lower bound (edge index <paramref name="lowerIndex"/>), the best upper bound
    /// among edges at or above zero, and its error.</summary>
    private static (float Bound, double Error) BestUpper(Histogram h, PrefixSums s, int lowerIndex, float lower, int steps)
    {
        int firstUpper = h.Max > 0 ? Math.Clamp((int)Math.Ceiling(-h.Min / h.Width), lowerIndex, h.Bins) : h.Bins;
        double below = s.ClipBelow(lowerIndex, lower);
        var best = (Bound: h.Max > 0 ? h.Max : 0f, Error: double.MaxValue);
        foreach (int j in Histogram.CandidateEdges(Math.Max(firstUpper, lowerIndex + 1), h.Bins))
        {
            float b = h.Max > 0 ? Math.Max(h.Edge(j), 0f) : 0f;
            double step = (b - lower) / steps;
            double error = below + s.ClipAbove(j, b) + s.Count(lowerIndex, j) * step * step / 12.0;
            if (error < best.Error) best = (b, error);
        }
        return best;
    }

    /// <summary>Prefix sums over bins (value = bin centre) of count, count·x and count·x².</summary>
    private sealed class PrefixSums
    {
        private readonly double[] _n, _x, _xx;

        public PrefixSums(Histogram h)
        {
            int bins = h.Bins;
            _n = new double[bins + 1];
            _x = new double[bins + 1];
            _xx = new double[bins + 1];
            var counts = h.Counts;
            for (int i = 0; i < bins; i++)
            {
                double c = counts[i], x = h.Center(i);
                _n[i + 1] = _n[i] + c;
                _x[i + 1] = _x[i] + c * x;
                _xx[i + 1] = _xx[i] + c * x * x;
            }
        }

        public double Count(int from, int to) => _n[to] - _n[from];

        /// <summary>Σ c (x - a)² over bins below index i (all clipped up to a).</summary>
        public double ClipBelow(int i, double a) => Math.Max(0, _xx[i] - 2 * a * _x[i] + a * a * _n[i]);

        /// <summary>Σ c (x - b)² over bins from index j on (all clipped down to b).</summary>
        public double ClipAbove(int j, double b)
        {
            int last = _n.Length - 1;
            double n = _n[last] - _n[j], x = _x[last] - _x[j], xx = _xx[last] - _xx[j];
            return Math.Max(0, xx - 2 * b * x + b * b * n);
        }
    }
}
