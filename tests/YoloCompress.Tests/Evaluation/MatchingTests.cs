using YoloCompress.Core.Evaluation;
using YoloCompress.Runtime;

namespace YoloCompress.Tests.Evaluation;

public class MatchingTests
{
    private static readonly BoundingBox Square = new(0, 0, 100, 100);

    private static Detection Det(int cls, float conf, BoundingBox box) => new(cls, "", conf, box);

    private static bool[] Match(Detection[] detections, params (int, BoundingBox)[] labels)
    {
        var correct = new bool[detections.Length * 10];
        DetectionMatcher.Match(detections, labels, correct);
        return correct;
    }

    [Fact]
    public void Thresholds_AreTheTenCocoIous()
    {
        Assert.Equal(10, DetectionMatcher.IouThresholds.Count);
        Assert.Equal(0.5f, DetectionMatcher.IouThresholds[0]);
        Assert.Equal(0.95f, DetectionMatcher.IouThresholds[9]);
        Assert.Equal(0.7f, DetectionMatcher.IouThresholds[4], 1e-6f);
    }

    [Fact]
    public void IouOf072_CountsForThresholds050To070Only()
    {
        var correct = Match([Det(0, 0.9f, new BoundingBox(0, 0, 100, 72))], (0, Square));

        Assert.Equal([true, true, true, true, true, false, false, false, false, false], correct);
    }

    [Fact]
    public void OtherClass_NeverMatches()
    {
        Assert.All(Match([Det(1, 0.9f, Square)], (0, Square)), Assert.False);
    }

    [Fact]
    public void TwoDetectionsOnOneLabel_TheMoreConfidentWinsWhereBothQualify()
    {
        // Detection 0 (more confident) overlaps 0.62, detection 1 overlaps 0.92. Where both clear the
        // threshold the reference keeps the lower detection index, not the better overlap; above 0.62
        // only detection 1 can match.
        var correct = Match([Det(0, 0.9f, new BoundingBox(0, 0, 100, 62)), Det(0, 0.8f, new BoundingBox(0, 0, 100, 92))], (0, Square));

        Assert.Equal([true, true, true, false, false, false, false, false, false, false], correct[..10]);
        Assert.Equal([false, false, false, true, true, true, true, true, true, false], correct[10..]);
    }

    [Fact]
    public void OneDetectionOverTwoLabels_TakesTheBetterOverlap()
    {
        // Detection 0 overlaps label A by 0.84 and label B by 0.61: it goes to A. Detection 1 overlaps
        // B by 0.98 (and A by 0.55): it goes to B. Both are correct, each up to its own overlap.
        var labelA = new BoundingBox(0, 0, 100, 100);
        var labelB = new BoundingBox(0, 30, 100, 130);
        var correct = Match(
            [Det(0, 0.9f, new BoundingBox(0, 16, 100, 100)), Det(0, 0.5f, new BoundingBox(0, 30, 100, 128))],
            (0, labelB), (0, labelA));

        Assert.Equal([true, true, true, true, true, true, true, false, false, false], correct[..10]);
        Assert.All(correct[10..], Assert.True);
    }

    [Fact]
    public void MoreDetectionsThanLabels_OnlyOneIsCorrect()
    {
        var correct = Match([Det(0, 0.9f, Square), Det(0, 0.8f, Square)], (0, Square));

        Assert.All(correct[..10], Assert.True);
        Assert.All(correct[10..], Assert.False);
    }
}
