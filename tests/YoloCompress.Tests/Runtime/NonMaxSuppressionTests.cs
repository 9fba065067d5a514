using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime;

public class NonMaxSuppressionTests
{
    // A row: cx, cy, w, h, objectness, class probabilities...
    private static float[] Row(float cx, float cy, float w, float h, float obj, params float[] cls) => [cx, cy, w, h, obj, .. cls];

    private static List<Detection> Run(DetectionOptions options, params float[][] rows) =>
        NonMaxSuppression.Apply(rows.SelectMany(r => r).ToArray(), rows[0].Length, options, ["a", "b", "c"]);

    [Fact]
    public void OverlappingBoxesOfOneClass_KeepOnlyTheMostConfident()
    {
        var result = Run(new DetectionOptions(),
            Row(50, 50, 20, 20, 0.8f, 0.9f, 0.1f),   // 0.72
            Row(52, 50, 20, 20, 0.9f, 0.9f, 0.1f),   // 0.81, IoU with the first = 18*20/(800-360) = 0.818
            Row(150, 50, 20, 20, 0.5f, 0.9f, 0.1f)); // 0.45, far away

        Assert.Equal(2, result.Count);
        Assert.Equal(0.81f, result[0].Confidence, 1e-6f);
        Assert.Equal(new BoundingBox(42, 40, 62, 60), result[0].Box);
        Assert.Equal("a", result[0].Name);
        Assert.Equal(0.45f, result[1].Confidence, 1e-6f);
    }

    [Fact]
    public void IouThreshold_SuppressesOnlyAboveIt()
    {
        // Two 10x10 boxes shifted by 5: IoU = 50 / 150 = 1/3.
        float[][] rows = [Row(10, 10, 10, 10, 0.9f, 1f, 0f), Row(15, 10, 10, 10, 0.8f, 1f, 0f)];

        Assert.Equal(2, Run(new DetectionOptions { Iou = 0.34f }, rows).Count);
        Assert.Single(Run(new DetectionOptions { Iou = 0.33f }, rows));
    }

    [Fact]
    public void DifferentClasses_DoNotSuppressEachOther_UnlessAgnostic()
    {
        float[][] rows = [Row(50, 50, 20, 20, 0.9f, 0.9f, 0.1f), Row(50, 50, 20, 20, 0.9f, 0.1f, 0.8f)];

        var perClass = Run(new DetectionOptions(), rows);
        Assert.Equal([0, 1], perClass.Select(d => d.ClassId));

        var agnostic = Run(new DetectionOptions { Agnostic = true }, rows);
        Assert.Equal(0, Assert.Single(agnostic).ClassId);
    }

    [Fact]
    public void MultiLabel_EmitsEveryClassAboveTheThreshold()
    {
        float[][] rows = [Row(50, 50, 20, 20, 0.9f, 0.5f, 0.4f, 0.2f)]; // 0.45, 0.36, 0.18

        var best = Run(new DetectionOptions(), rows);
        Assert.Equal(0, Assert.Single(best).ClassId);

        var multi = Run(new DetectionOptions { MultiLabel = true }, rows);
        Assert.Equal([0, 1], multi.Select(d => d.ClassId));
        Assert.Equal([0.45f, 0.36f], multi.Select(d => d.Confidence), (x, y) => Math.Abs(x - y) < 1e-6f);
    }

    [Fact]
    public void Thresholds_ApplyToObjectnessAndToTheProduct()
    {
        var result = Run(new DetectionOptions { Confidence = 0.25f },
            Row(10, 10, 4, 4, 0.2f, 1f, 0f),    // objectness below: dropped
            Row(30, 10, 4, 4, 0.5f, 0.4f, 0f),  // 0.2 product below: dropped
            Row(50, 10, 4, 4, 0.5f, 0.6f, 0f)); // 0.3 kept

        Assert.Equal(0.3f, Assert.Single(result).Confidence, 1e-6f);
    }

    [Fact]
    public void MaxDetections_KeepsTheBestOnes()
    {
        var rows = Enumerable.Range(0, 10).Select(i => Row(i * 30 + 10, 10, 10, 10, 0.3f + i * 0.05f, 1f, 0f)).ToArray();

        var result = Run(new DetectionOptions { MaxDetections = 3 }, rows);

        Assert.Equal(3, result.Count);
        Assert.Equal([280f, 250f, 220f], result.Select(d => (d.Box.X1 + d.Box.X2) / 2));
    }

    [Fact]
    public void EqualScores_KeepOutputOrder()
    {
        var result = Run(new DetectionOptions(),
            Row(10, 10, 4, 4, 0.5f, 1f, 0f),
            Row(30, 10, 4, 4, 0.5f, 1f, 0f),
            Row(50, 10, 4, 4, 0.5f, 1f, 0f));

        Assert.Equal([10f, 30f, 50f], result.Select(d => (d.Box.X1 + d.Box.X2) / 2));
    }

    [Fact]
    public void Suppression_IsGreedy_ASuppressedBoxSuppressesNothing()
    {
        // A [5,15] suppresses B [9,19] (IoU 60/140 = 0.43); B would suppress C [13,23] (0.43),
        // but B is gone and C overlaps A by only 20/180 = 0.11: C stays.
        var result = Run(new DetectionOptions { Iou = 0.3f },
            Row(10, 10, 10, 10, 0.9f, 1f, 0f),
            Row(14, 10, 10, 10, 0.8f, 1f, 0f),
            Row(18, 10, 10, 10, 0.7f, 1f, 0f));

        Assert.Equal([10f, 18f], result.Select(d => (d.Box.X1 + d.Box.X2) / 2));
    }

    [Theory]
    [InlineData(NonMaxSuppression.MaxCandidates, 1)]     // the class-1 box is candidate 30001: cut
    [InlineData(NonMaxSuppression.MaxCandidates - 1, 2)] // candidate 30000: considered, kept
    public void OnlyTheBestThirtyThousandCandidatesAreConsidered(int strongerCandidates, int expected)
    {
        // Many identical class-0 boxes (they suppress one another) ahead of one weaker class-1 box.
        var data = new List<float>();
        for (int i = 0; i < strongerCandidates; i++)
            data.AddRange(Row(50, 50, 20, 20, 0.9f, 1f, 0f));
        data.AddRange(Row(300, 300, 20, 20, 0.5f, 0f, 1f));

        var result = NonMaxSuppression.Apply(data.ToArray(), 7, new DetectionOptions());

        Assert.Equal(expected, result.Count);
    }

    [Fact]
    public void MalformedOutput_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => NonMaxSuppression.Apply(new float[13], 6, new DetectionOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => NonMaxSuppression.Apply(new float[10], 5, new DetectionOptions()));
    }
}
