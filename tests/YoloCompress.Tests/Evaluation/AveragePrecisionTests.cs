using YoloCompress.Core.Evaluation;

namespace YoloCompress.Tests.Evaluation;

public class AveragePrecisionTests
{
    [Fact]
    public void PerfectCurve_Gives0995_TheReferenceValue()
    {
        // ultralytics' sentinel (recall 1, precision 0) makes the last of the 101 points 0:
        // 0.99 * 1 + 0.01 * (1 + 0) / 2 = 0.995 (why a perfect YOLOv5 model shows mAP 0.995).
        Assert.Equal(0.995, AveragePrecision.Compute([1.0], [1.0]), 12);
        Assert.Equal(0.995, AveragePrecision.Compute([0.5, 1.0], [1.0, 1.0]), 12);
    }

    [Fact]
    public void FalsePositiveRankedAboveTheOnlyTruePositive_Gives04975()
    {
        // FP then TP on one label: recall [0, 1], precision [0, 0.5]; the envelope is 0.5 up to
        // recall 1: 0.99 * 0.5 + 0.01 * (0.5 + 0) / 2.
        Assert.Equal(0.4975, AveragePrecision.Compute([0.0, 1.0], [0.0, 0.5]), 12);
    }

    [Fact]
    public void HalfRecall_IntegratesThePrecisionEnvelope()
    {
        // Two labels, one found at precision 1: the envelope is 1 up to recall 0.5, then falls
        // linearly to the sentinel (1, 0): 0.5 * 1 + 0.5 * 0.5 = 0.75 (breakpoints on the grid: exact).
        Assert.Equal(0.75, AveragePrecision.Compute([0.5], [1.0]), 12);
    }

    [Fact]
    public void Interp_MatchesNumpy_OnRepeatedAndOutsidePoints()
    {
        double[] xp = [0.0, 0.0, 0.5, 0.5, 1.0];
        double[] fp = [1.0, 0.8, 0.8, 0.4, 0.0];

        Assert.Equal(0.8, AveragePrecision.Interp(0.0, xp, fp));     // the last of equal xp decides
        Assert.Equal(0.8, AveragePrecision.Interp(0.25, xp, fp));
        Assert.Equal(0.4, AveragePrecision.Interp(0.5, xp, fp));
        Assert.Equal(0.2, AveragePrecision.Interp(0.75, xp, fp), 12);
        Assert.Equal(7.0, AveragePrecision.Interp(-1, xp, fp, left: 7));
        Assert.Equal(1.0, AveragePrecision.Interp(-1, xp, fp));
        Assert.Equal(0.0, AveragePrecision.Interp(2, xp, fp));
    }

    [Fact]
    public void Smooth_IsABoxFilterPaddedWithTheEnds()
    {
        // n 10, f 0.2: round(4) // 2 + 1 = 3 points, one pad value at each end.
        double[] y = [0, 0, 0, 3, 0, 0, 0, 0, 0, 6];

        var s = AveragePrecision.Smooth(y, 0.2);

        Assert.Equal([0, 0, 1, 1, 1, 0, 0, 0, 2, 4], s.Select(v => Math.Round(v, 12)));
        Assert.Equal(1000, AveragePrecision.Smooth(new double[1000], 0.1).Length); // the 101-point case
    }
}
