namespace YoloCompress.Core.Calibration;

/// <summary>TensorRT's entropy calibration over a histogram: for each candidate clipping range, P is
/// the histogram inside the range with the clipped outliers added to its end bins, Q is the inside
/// histogram merged into as many groups as there are quantization levels and spread back over P's
/// non-empty bins; the range with the smallest KL(P || Q) wins.
/// Symmetric ranges are searched on |x| with 128 levels (TensorRT's int8). Asymmetric ranges follow
/// ONNX Runtime's choice of one threshold t for both sides, [max(min, -t), min(max, t)], with 256
/// levels: a one-sided tensor (SiLU, sigmoid) keeps its short negative side whole and only the long
/// side is clipped.</summary>
internal static class EntropyRange
{
    private const double Epsilon = 1e-4;

    /// <summary>The search runs on a histogram with this many bins per quantization level (adjacent bins
    /// merged). KL compares P with Q spread evenly inside each level, so the finer the histogram, the
    /// more it penalises that flattening against clipping: on 2048 bins (TensorRT's) it clips SiLU
    /// activations to an eighth of their range and yolov5n loses 8 mAP points (0.273 against 0.355);
    /// at two bins a level the narrowest window is half the range and the loss is about 1 point.</summary>
    private const int BinsPerLevel = 2;

    public static TensorRange Select(Histogram histogram, bool symmetric)
    {
        if (histogram.Total == 0) return new TensorRange(0, 0);
        if (symmetric)
        {
            var folded = histogram.FoldAbsolute().Coarsen(BinsPerLevel * 128);
            float t = folded.Max;
            double best = double.MaxValue;
            foreach (int j in Histogram.CandidateEdges(128, folded.Bins))
            {
                double kl = Divergence(folded.Counts, 0, j, 128);
                if (kl < best) (best, t) = (kl, folded.Edge(j));
            }
            return new TensorRange(-t, t);
        }
        return SelectAsymmetric(histogram.Coarsen(BinsPerLevel * 256), levels: 256);
    }

    private static TensorRange SelectAsymmetric(Histogram h, int levels)
    {
        float maxAbs = Math.Max(Math.Abs(h.Min), Math.Abs(h.Max));
        int steps = (int)Math.Ceiling(maxAbs / h.Width);
        var best = (Divergence: double.MaxValue, Range: new TensorRange(h.Min, h.Max));
        foreach (int k in Histogram.CandidateEdges(1, steps))
        {
            float t = Math.Min(k * h.Width, maxAbs);
            int start = Math.Clamp((int)Math.Round((-t - h.Min) / h.Width), 0, h.Bins);
            int stop = Math.Clamp((int)Math.Round((t - h.Min) / h.Width), 0, h.Bins);
            if (stop - start < levels) continue;
            double kl = Divergence(h.Counts, start, stop, levels);
            if (kl < best.Divergence) best = (kl, new TensorRange(h.Edge(start), h.Edge(stop)));
        }
        return best.Range.IncludingZero();
    }

    /// <summary>KL(P || Q) for the bins [start, stop) quantized to <paramref name="levels"/> groups.</summary>
    internal static double Divergence(ReadOnlySpan<long> counts, int start, int stop, int levels)
    {
        int n = stop - start;
        var p = new double[n];
        for (int i = 0; i < n; i++) p[i] = counts[start + i];
        double outliersBelow = 0, outliersAbove = 0;
        for (int i = 0; i < start; i++) outliersBelow += counts[i];
        for (int i = stop; i < counts.Length; i++) outliersAbove += counts[i];

        // Q from the inside counts only: the clipped mass is exactly what Q cannot represent.
        var q = new double[n];
        for (int g = 0; g < levels; g++)
        {
            int from = (int)((long)g * n / levels), to = (int)((long)(g + 1) * n / levels);
            double sum = 0;
            int nonEmpty = 0;
            for (int i = from; i < to; i++)
            {
                sum += p[i];
                if (p[i] > 0) nonEmpty++;
            }
            if (nonEmpty == 0) continue;
            for (int i = from; i < to; i++)
                if (p[i] > 0) q[i] = sum / nonEmpty;
        }
        p[0] += outliersBelow;
        p[n - 1] += outliersAbove;

        if (!Normalize(p) || !Normalize(q)) return double.MaxValue;
        Smooth(q);
        double kl = 0;
        for (int i = 0; i < n; i++)
            if (p[i] > 0) kl += p[i] * Math.Log(p[i] / q[i]);
        return kl;
    }

    private static bool Normalize(double[] d)
    {
        double sum = d.Sum();
        if (sum <= 0) return false;
        for (int i = 0; i < d.Length; i++) d[i] /= sum;
        return true;
    }

    /// <summary>Gives empty bins a little mass (taken from the others) so that log(p / q) stays finite
    /// where the clipped outliers landed in an otherwise empty end bin.</summary>
    private static void Smooth(double[] d)
    {
        int zeros = d.Count(v => v == 0);
        if (zeros == 0) return;
        double take = Epsilon * zeros / (d.Length - zeros);
        for (int i = 0; i < d.Length; i++)
            d[i] = d[i] == 0 ? Epsilon : Math.Max(d[i] - take, Epsilon * 1e-3);
    }
}
