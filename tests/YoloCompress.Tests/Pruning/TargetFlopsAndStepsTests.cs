using YoloCompress.Core.Pruning;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Pruning;

/// <summary>PruneTargetFlops (a FLOPs budget instead of a ratio) and PruneSteps' composition of pruning results, on
/// the shipped yolov5n at 320.</summary>
public class TargetFlopsAndStepsTests
{
    private static double FlopsKept(PruneResult result) =>
        (double)ModelCost.Of(result.Model).ConvMacs / ModelCost.Of(RealCheckpointTests.Model("yolov5n.pt", false)).ConvMacs;

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.75)]
    [InlineData(0.5)]
    public void A_flops_target_is_reached_by_the_smallest_ratio_that_reaches_it(double target)
    {
        var pruner = new ChannelPruner(RealCheckpointTests.Model("yolov5n.pt", false));
        var options = new PruneOptions { TargetFlops = target, Criterion = PruneCriterion.L1 };

        var result = pruner.Prune(options);

        Assert.InRange(FlopsKept(result), target - 0.06, target);
        // A little less pruning no longer fits the budget: the search stopped at the boundary.
        var lessPruned = pruner.Prune(options with { TargetFlops = null, Ratio = Math.Max(0, result.RemovedFraction - 0.03) });
        Assert.True(FlopsKept(lessPruned) > target, $"{FlopsKept(lessPruned):0.000} at {result.RemovedFraction - 0.03:0.000}");
    }

    [Fact]
    public void A_target_out_of_range_names_the_setting()
    {
        var pruner = new ChannelPruner(RealCheckpointTests.Model("yolov5n.pt", false));
        var e = Assert.Throws<ArgumentException>(() => pruner.Prune(new PruneOptions { TargetFlops = 0.05 }));
        Assert.Contains("PruneTargetFlops", e.Message);
    }

    [Fact]
    public void Two_steps_compose_into_positions_and_counts_of_the_original_model()
    {
        var original = RealCheckpointTests.Model("yolov5n.pt", false);
        var first = new ChannelPruner(original).Prune(new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L1, RoundTo = 1 });
        var second = new ChannelPruner(first.Model).Prune(new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L1, RoundTo = 1 });

        var both = first.Then(second);

        Assert.Same(second.Model, both.Model);
        foreach (var (tensor, kept) in both.KeptPositions)
        {
            // Every composed position is one the first step kept, ascending, and as many as the second step kept.
            Assert.All(kept, p => Assert.Contains(p, first.KeptPositions[tensor]));
            Assert.Equal(kept.Order(), kept);
            Assert.Equal(second.KeptPositions.TryGetValue(tensor, out var k) ? k.Length : first.KeptPositions[tensor].Length, kept.Length);
        }
        var layer = both.Layers.First(l => l.Fixed is null && l.ChannelsBefore >= 64);
        var firstLayer = first.Layers.Single(l => l.Group == layer.Group);
        Assert.Equal(firstLayer.ChannelsBefore, layer.ChannelsBefore);
        Assert.Equal(second.Layers.Single(l => l.Group == layer.Group).ChannelsAfter, layer.ChannelsAfter);
        Assert.InRange(both.RemovedFraction, 0.40, 0.47); // 1 - 0.75 x 0.75, rounded per group
    }
}
