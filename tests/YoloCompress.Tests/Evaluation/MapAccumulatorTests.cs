using YoloCompress.Core.Evaluation;
using YoloCompress.Runtime;

namespace YoloCompress.Tests.Evaluation;

public class MapAccumulatorTests
{
    private static readonly BoundingBox Square = new(0, 0, 100, 100);

    private static Detection Det(int cls, float conf, BoundingBox box) => new(cls, "", conf, box);

    [Fact]
    public void PerfectPredictions_Give0995EverywhereAndFullPrecisionRecall()
    {
        var acc = new MapAccumulator(["a", "b"]);
        acc.Add([Det(0, 0.9f, Square)], [(0, Square)]);
        acc.Add([Det(1, 0.8f, new BoundingBox(10, 10, 50, 50))], [(1, new BoundingBox(10, 10, 50, 50))]);

        var result = acc.Compute();

        Assert.Equal((2, 2), (result.Images, result.Instances));
        Assert.Equal(0.995, result.Map50, 12);
        Assert.Equal(0.995, result.Map50To95, 12);
        Assert.Equal(1.0, result.Precision, 6);
        Assert.Equal(1.0, result.Recall, 6);
        Assert.Equal(["a", "b"], result.PerClass.Select(c => c.Name));
    }

    [Fact]
    public void FalsePositiveAboveTheTruePositive_Gives04975()
    {
        var acc = new MapAccumulator(["a"]);
        acc.Add([Det(0, 0.9f, new BoundingBox(500, 500, 600, 600))], []); // an image without labels: an FP
        acc.Add([Det(0, 0.8f, Square)], [(0, Square)]);

        var result = acc.Compute();

        Assert.Equal(0.4975, result.Map50, 12);
        Assert.Equal(0.4975, result.Map50To95, 12);
    }

    [Fact]
    public void PredictionAtIou072_CountsHalfTheThresholds()
    {
        var acc = new MapAccumulator(["a"]);
        acc.Add([Det(0, 0.9f, new BoundingBox(0, 0, 100, 72))], [(0, Square)]);

        var result = acc.Compute();

        Assert.Equal(0.995, result.Map50, 12);
        Assert.Equal(0.995 * 5 / 10, result.Map50To95, 12); // thresholds 0.50..0.70 of ten
    }

    [Fact]
    public void ClassesWithoutPredictions_CountAsZero_ClassesWithoutLabels_AreIgnored()
    {
        var acc = new MapAccumulator(["a", "b", "c"]);
        acc.Add([Det(0, 0.9f, Square), Det(2, 0.9f, Square)], [(0, Square), (1, new BoundingBox(200, 200, 300, 300))]);

        var result = acc.Compute();

        Assert.Equal([0, 1], result.PerClass.Select(c => c.ClassId)); // class 2 has no labels
        Assert.Equal([0.995, 0.0], result.PerClass.Select(c => c.Ap50));
        Assert.Equal(0.995 / 2, result.Map50, 12);
    }

    [Fact]
    public void PerClass_CountsImagesAndInstances()
    {
        var acc = new MapAccumulator(["a", "b"]);
        acc.Add([], [(0, Square), (0, new BoundingBox(0, 0, 10, 10)), (1, Square)]);
        acc.Add([], [(0, Square)]);
        acc.Add([], []);

        var result = acc.Compute();

        Assert.Equal((3, 4), (result.Images, result.Instances));
        Assert.Equal((2, 3), (result.PerClass[0].Images, result.PerClass[0].Instances));
        Assert.Equal((1, 1), (result.PerClass[1].Images, result.PerClass[1].Instances));
        Assert.Equal(0.0, result.Map50);
        Assert.Contains("all", result.ToTable());
    }

    [Fact]
    public void Ranking_DecidesTheAreaNotTheRawCounts()
    {
        // Two labels; TP (0.9), FP (0.8), TP (0.7): recall [.5, .5, 1], precision [1, .5, .667].
        // Envelope: 1 up to recall 0.5, then 0.667 up to 1 (the FP at recall 0.5 is hidden by it),
        // then the sentinel. Points x = 0..0.5 at 1, (0.5, 1) -> 0.667 by the last-of-equal rule:
        // at exactly 0.5 numpy takes the last point with recall 0.5, whose envelope is 0.667.
        var acc = new MapAccumulator(["a"]);
        var other = new BoundingBox(200, 200, 300, 300);
        acc.Add([Det(0, 0.9f, Square), Det(0, 0.8f, new BoundingBox(400, 400, 500, 500)), Det(0, 0.7f, other)],
            [(0, Square), (0, other)]);

        double twoThirds = 2.0 / 3.0;
        // Trapezoids on 0.01 steps: 0..0.49 at 1 (49 steps), 0.49->0.50: (1 + 2/3)/2,
        // 0.50..0.99 at 2/3 (49 steps), 0.99->1: (2/3 + 0)/2.
        double expected = 0.49 * 1 + 0.01 * (1 + twoThirds) / 2 + 0.49 * twoThirds + 0.01 * twoThirds / 2;
        Assert.Equal(expected, acc.Compute().Map50, 9);
    }
}
