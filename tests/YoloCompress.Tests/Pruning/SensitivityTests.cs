using YoloCompress.Core.Pruning;

namespace YoloCompress.Tests.Pruning;

public class SensitivityTests
{
    [Fact]
    public void Predicted_macs_match_the_pruned_model()
    {
        var t = PrunerTests.KitchenSink();
        var pruner = new ChannelPruner(t.Model);
        var result = pruner.Prune(new PruneOptions { Ratio = 0.5, Criterion = PruneCriterion.L2, RoundTo = 1 });
        var keep = result.Plan.Kept.ToDictionary(k => k.Key, k => (double)k.Value.Length / pruner.Graph.Groups[k.Key].Size);
        var predictor = new CostPredictor(pruner.Graph);
        var before = ModelCost.Of(t.Model);
        var after = ModelCost.Of(result.Model);
        Assert.Equal(before.ConvMacs, predictor.Macs);
        // Exact but for which channels a Split or Concat slice happens to keep (the prediction spreads them evenly).
        Assert.InRange(predictor.Predict(keep), after.ConvMacs * 0.99, after.ConvMacs * 1.01);
        Assert.True(after.ConvMacs < 0.4 * before.ConvMacs);
        Assert.True(after.Parameters < before.Parameters);
    }

    [Fact]
    public void Sensitivity_table_and_proposal_respect_the_target()
    {
        var t = PrunerTests.KitchenSink();
        var pruner = new ChannelPruner(t.Model);
        var input = t.Input(5);
        var reference = OrtRunner.Run(t.Model, input).Data;
        // Metric: minus the mean squared difference from the unpruned output (0 for the unpruned model).
        double Evaluate(Onnx.ModelProto m) => -OrtRunner.Run(m, input).Data.Zip(reference).Average(p => (p.First - p.Second) * (double)(p.First - p.Second));
        var options = new PruneOptions { Criterion = PruneCriterion.L2, RoundTo = 1 };
        var table = SensitivityAnalysis.Measure(pruner, p => p.Model, Evaluate, [0.5, 0.25], options);
        Assert.Equal(0, table.Baseline);
        Assert.Equal([0.25, 0.5], table.Ratios);
        Assert.Equal(pruner.Graph.PrunableGroups.Count(), table.Rows.Count);
        Assert.All(table.Rows, r => Assert.True(r.Drops[1] > 0 && r.MacsSaved[1] >= r.MacsSaved[0] && r.MacsSaved[0] > 0));
        Assert.Contains("model.0.conv", table.ToText());

        double target = table.Rows.Average(r => r.Drops[0]);
        var proposal = SensitivityAnalysis.Propose(pruner, table, target, roundTo: 1);
        Assert.NotEmpty(proposal.Ratios);
        Assert.True(proposal.PredictedDrop <= target + 1e-12);
        Assert.True(proposal.MacsAfter < proposal.MacsBefore);
        var checkedProposal = SensitivityAnalysis.ProposeAndVerify(pruner, p => p.Model, table, target, Evaluate, options, rounds: 2);
        Assert.True(checkedProposal.MeasuredDrop <= target);
        Assert.All(checkedProposal.ToOverrides(), o => Assert.Matches(@"^model\.[\w.]+=0\.\d+$", o));
    }
}
