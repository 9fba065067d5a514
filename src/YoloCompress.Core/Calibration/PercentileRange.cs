namespace YoloCompress.Core.Calibration;

/// <summary>Clips a fixed share of the values: the percentile p keeps [q(1-p), q(p)] for asymmetric
/// ranges and [-t, t] with t the p-quantile of |x| for symmetric ones.</summary>
internal static class PercentileRange
{
    public static TensorRange Select(Histogram histogram, double percentile, bool symmetric)
    {
        double p = percentile / 100.0;
        if (symmetric)
        {
            float t = histogram.FoldAbsolute().Quantile(p);
            return new TensorRange(-t, t);
        }
        return new TensorRange(histogram.Quantile(1 - p), histogram.Quantile(p)).IncludingZero();
    }
}
