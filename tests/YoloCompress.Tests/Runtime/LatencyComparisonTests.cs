using Google.Protobuf;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Runtime;

/// <summary>Two models timed round by round: the ratio follows the work, and its spread brackets it.</summary>
public sealed class LatencyComparisonTests
{
    [Fact]
    public void A_quarter_of_the_input_area_runs_in_well_under_half_the_time_and_the_spread_brackets_the_ratio()
    {
        var checkpoint = CheckpointReader.Read(TestData.Yolov5n);
        var small = BatchNormFolding.Fold(YoloGraphBuilder.Build(checkpoint, 320)).ToByteArray();
        var comparison = LatencyBenchmark.Compare(RealModel.FoldedYolov5n, small, threads: 1, runs: 6, warmup: 1);

        Assert.Equal(6, comparison.First.Runs);
        Assert.Equal(6, comparison.Second.Runs);
        Assert.InRange(comparison.Ratio, 0.05, 0.6); // a quarter of the FLOPs; load falls on both models alike
        Assert.InRange(comparison.Ratio, comparison.RatioLow, comparison.RatioHigh);
        Assert.Matches(@"^\d\.\d\dx \(\d\.\d\d-\d\.\d\d\)$", comparison.ToString());
    }
}
