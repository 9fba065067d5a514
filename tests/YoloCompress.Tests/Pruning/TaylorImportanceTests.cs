using Onnx;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Tests.Pruning;

/// <summary>The taylor criterion's arithmetic and allocation, with gradients made by hand (the training backend that
/// computes real ones is tested in YoloCompress.Torch.Tests).</summary>
public class TaylorImportanceTests
{
    private const int Rows = 3;

    /// <summary>Gradients of every tensor asked for: zero, except what <paramref name="set"/> writes per (tensor, position).</summary>
    private static ChannelGradientSource Source(TinyGraph t, Action<string, int, double[], double[]>? set = null) => (_, tensors) =>
        tensors.ToDictionary(n => n, n =>
        {
            int channels = t.Channels(n);
            var ag = Enumerable.Range(0, Rows).Select(_ => new double[channels]).ToArray();
            var g = Enumerable.Range(0, Rows).Select(_ => new double[channels]).ToArray();
            for (int i = 0; i < Rows; i++)
                for (int p = 0; p < channels; p++)
                {
                    var (a, b) = (new double[1], new double[1]);
                    set?.Invoke(n, p, a, b);
                    (ag[i][p], g[i][p]) = (a[0], b[0]);
                }
            return new ChannelGradients(ag, g);
        });

    private static IEnumerable<float[]> Calibration(TinyGraph t) => Enumerable.Range(100, 4).Select(t.Input);

    /// <summary>The positions group channel <paramref name="channel"/> has in each tensor the group's consumers read.</summary>
    private static HashSet<(string Tensor, int Position)> PositionsOf(PruningGroup group, int channel) =>
        group.Members.Where(m => m.Role == MemberRole.ConvInput)
            .SelectMany(m => m.Indices.Select((index, i) => (index, m.Tensor, Position: m.Positions[i])))
            .Where(x => x.index == channel).Select(x => (x.Tensor, x.Position)).ToHashSet();

    [Fact]
    public void A_channel_scores_the_squared_change_of_its_mean_replacement_over_images()
    {
        var t = PrunerTests.KitchenSink();
        var probe = new ChannelPruner(t.Model, Calibration(t), threads: 1);
        var group = probe.Graph.Group("model.1.conv")!;
        var leaned = PositionsOf(group, 5);
        var atItsMean = PositionsOf(group, 6);
        var stats = probe.Statistics;
        // Channel 5: a x g sums to 1 a position and image, no gradient sum: each tensor changes the loss by -1 when it goes.
        // Channel 6: a x g equals its mean x g, so replacing it by its mean changes nothing to first order.
        var source = Source(t, (tensor, p, ag, g) =>
        {
            if (leaned.Contains((tensor, p))) ag[0] = 1;
            if (atItsMean.Contains((tensor, p))) (g[0], ag[0]) = (2, 2 * stats[tensor]!.Mean(p));
        });
        var tensors = probe.ConvInputTensors().ToArray();
        var context = new ImportanceContext(probe.Graph, stats, source(t.Model, tensors));

        var scores = new TaylorImportance().Score(group, context);

        int tensorsHoldingIt = leaned.Select(x => x.Tensor).Distinct().Count();
        Assert.Equal(tensorsHoldingIt * tensorsHoldingIt / 2.0, scores[5], 9); // summed over tensors, squared, averaged over images, halved
        Assert.Equal(0, scores[6], 9);
        Assert.All(scores.Where((_, c) => c != 5), s => Assert.True(s < 1e-9));
    }

    [Fact]
    public void Pruning_keeps_the_channel_the_loss_leans_on()
    {
        var t = PrunerTests.KitchenSink();
        var group = DependencyGraph.Build(t.Model).Group("model.1.conv")!;
        var leaned = PositionsOf(group, 5);
        var pruner = new ChannelPruner(t.Model, Calibration(t), threads: 1, gradients: Source(t, (tensor, p, ag, _) => { if (leaned.Contains((tensor, p))) ag[0] = 1; }));

        var result = pruner.Prune(new PruneOptions { Ratio = 0.75, Criterion = PruneCriterion.Taylor, RoundTo = 1 });

        Assert.Contains(5, result.Plan.Kept[group.Id]);
        OrtRunner.Run(result.Model, t.Input(1));
    }

    [Fact]
    public void Global_scope_removes_the_cheapest_loss_per_flop_saved()
    {
        var t = PrunerTests.KitchenSink();
        // Every channel of every group the same score: 1/k at each of the k tensors that hold it.
        var share = new Dictionary<(string, int), double>();
        foreach (var group in DependencyGraph.Build(t.Model).PrunableGroups)
            for (int c = 0; c < group.Size; c++)
            {
                var positions = PositionsOf(group, c);
                foreach (var x in positions) share[x] = 1.0 / positions.Select(p => p.Tensor).Distinct().Count();
            }
        var equal = Source(t, (tensor, p, ag, _) => ag[0] = share.GetValueOrDefault((tensor, p)));
        PruneResult Prune(PruneScope scope) => new ChannelPruner(t.Model, Calibration(t), threads: 1, gradients: equal)
            .Prune(new PruneOptions { Ratio = 0.3, Scope = scope, Criterion = PruneCriterion.Taylor, RoundTo = 1 });

        var uniform = Prune(PruneScope.Uniform);
        var global = Prune(PruneScope.Global);

        // Equal losses: global takes the channels whose removal saves the most FLOPs, so it saves more at the same count.
        Assert.Equal(uniform.RemovedFraction, global.RemovedFraction, 1);
        Assert.True(ModelCost.Of(global.Model).ConvMacs < ModelCost.Of(uniform.Model).ConvMacs,
            $"global {ModelCost.Of(global.Model).ConvMacs} MACs, uniform {ModelCost.Of(uniform.Model).ConvMacs}");
    }

    [Fact]
    public void Without_a_gradient_source_the_error_names_the_setting()
    {
        var t = PrunerTests.KitchenSink();
        var e = Assert.Throws<InvalidOperationException>(() =>
            new ChannelPruner(t.Model, Calibration(t), threads: 1).Prune(new PruneOptions { Ratio = 0.5, Criterion = PruneCriterion.Taylor }));
        Assert.Contains("PruneCriterion: 'taylor'", e.Message);
        Assert.Contains("training backend", e.Message);
    }
}
