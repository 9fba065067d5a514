using YoloCompress.Core.Calibration;

namespace YoloCompress.Tests.Quantization;

/// <summary>The histogram range methods on distributions whose right answer is known.</summary>
public class RangeSelectionTests
{
    private static Histogram Of(float[] values, int bins = 2048)
    {
        var h = new Histogram(values.Min(), values.Max(), bins);
        h.Add(values);
        return h;
    }

    private static float[] Uniform(int n, float lo, float hi, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => lo + (float)r.NextDouble() * (hi - lo)).ToArray();
    }

    /// <summary>N(0, 1) samples plus <paramref name="outliers"/> values at <paramref name="at"/>.</summary>
    private static float[] GaussianWithOutliers(int n, int outliers, float at, int seed)
    {
        var r = new Random(seed);
        var x = new float[n + outliers];
        for (int i = 0; i < n; i++)
            x[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble()));
        for (int i = 0; i < outliers; i++) x[n + i] = at;
        return x;
    }

    [Fact]
    public void Percentile_OfUniform_IsThatFractionOfTheRange()
    {
        var h = Of(Uniform(1_000_000, -10, 10, seed: 1));

        var r = PercentileRange.Select(h, 99, symmetric: false);
        Assert.Equal(-9.8f, r.Min, 0.05f);
        Assert.Equal(9.8f, r.Max, 0.05f);

        // Symmetric: the 99th percentile of |x| for |x| ~ U(0, 10) is 9.9.
        var s = PercentileRange.Select(h, 99, symmetric: true);
        Assert.Equal(9.9f, s.Max, 0.05f);
        Assert.Equal(-s.Max, s.Min);
    }

    [Fact]
    public void Percentile_OfAOneSidedTensor_KeepsZeroInTheRange()
    {
        var r = PercentileRange.Select(Of(Uniform(100_000, 2, 6, seed: 2)), 99.9, symmetric: false);
        Assert.Equal(0f, r.Min);
        Assert.Equal(6f, r.Max, 0.02f);
    }

    [Fact]
    public void Mse_OfGaussianWithOutliers_ClipsTheOutliersButNotTheBody()
    {
        // One value at 30 among a million N(0,1): clipping it costs 26² ≈ 680, while keeping it
        // stretches the step to 35/255 and costs a million times step²/12 ≈ 1570 (uint8), 4600 (int8).
        var h = Of(GaussianWithOutliers(1_000_000, 1, 30f, seed: 3));

        var r = MseRange.Select(h, symmetric: false);
        // The optimum balances the two: about 11 (clip 19² ≈ 360, rounding ≈ 330).
        Assert.InRange(r.Max, 8f, 14f);
        Assert.InRange(r.Min, -6f, -3.0f);
        var s = MseRange.Select(h, symmetric: true);
        Assert.InRange(s.Max, 3.0f, 14f);

        // Many far outliers are worth their levels: 30 values at 30 cost 20k clipped, 1.6k kept.
        var many = MseRange.Select(Of(GaussianWithOutliers(1_000_000, 30, 30f, seed: 3)), symmetric: false);
        Assert.InRange(many.Max, 25f, 30.01f);
    }

    [Fact]
    public void Mse_OfGaussianWithoutOutliers_KeepsNearlyTheWholeRange()
    {
        // For 8 bits the optimal clip of a Gaussian lies near its extremes (a million samples reach ~4.9 sigma).
        var values = GaussianWithOutliers(1_000_000, 0, 0, seed: 4);
        var r = MseRange.Select(Of(values), symmetric: false);
        Assert.InRange(r.Max, 3.5f, values.Max());
        Assert.InRange(r.Min, values.Min(), -3.5f);
    }

    [Fact]
    public void Entropy_OfGaussianWithOutliers_ClipsTheOutliers()
    {
        var h = Of(GaussianWithOutliers(1_000_000, 10, 50f, seed: 6));

        var r = EntropyRange.Select(h, symmetric: false);
        Assert.InRange(r.Max, 2.5f, 30f);
        var s = EntropyRange.Select(h, symmetric: true);
        Assert.InRange(s.Max, 2.5f, 30f);
    }

    [Fact]
    public void Histogram_AddingInAnyOrder_GivesTheSameCounts()
    {
        var values = Uniform(10_000, -3, 7, seed: 7);
        var a = new Histogram(-3, 7, 256);
        var b = new Histogram(-3, 7, 256);
        a.Add(values);
        foreach (var chunk in values.Reverse().Chunk(333)) b.Add(chunk);
        Assert.Equal(a.Counts.ToArray(), b.Counts.ToArray());
        Assert.Equal(10_000, a.Total);
    }
}
