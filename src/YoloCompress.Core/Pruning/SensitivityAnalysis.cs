using System.Globalization;
using System.Text;
using Onnx;

namespace YoloCompress.Core.Pruning;

/// <summary>One group's accuracy cost at each measured ratio.</summary>
/// <param name="Drops">Baseline metric minus the metric with only this group pruned, one per ratio of the table.</param>
/// <param name="MacsSaved">Multiply-accumulates removed by pruning only this group, one per ratio.</param>
public sealed record SensitivityRow(string Group, int Channels, IReadOnlyList<double> Drops, IReadOnlyList<long> MacsSaved);

/// <summary>Per-group sensitivity: what pruning each group alone costs (for the CLI's table and plot).</summary>
public sealed class SensitivityTable(double baseline, long macs, IReadOnlyList<double> ratios, IReadOnlyList<SensitivityRow> rows)
{
    /// <summary>The unpruned model's metric (as the evaluator measures it).</summary>
    public double Baseline { get; } = baseline;

    /// <summary>Multiply-accumulates of the unpruned model.</summary>
    public long Macs { get; } = macs;

    public IReadOnlyList<double> Ratios { get; } = ratios;

    public IReadOnlyList<SensitivityRow> Rows { get; } = rows;

    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"{"group",-26}{"channels",9}");
        foreach (var r in Ratios) sb.Append(c, $"{"drop@" + r.ToString("0.##", c),11}");
        sb.Append(c, $"{"MACs@" + Ratios[^1].ToString("0.##", c),11}").AppendLine();
        foreach (var row in Rows)
        {
            sb.Append(c, $"{row.Group,-26}{row.Channels,9}");
            foreach (var d in row.Drops) sb.Append(c, $"{d.ToString("G3", c),11}");
            sb.Append(c, $"{-(double)row.MacsSaved[^1] / Macs,11:P1}").AppendLine();
        }
        return sb.ToString();
    }
}

/// <summary>Sensitivity analysis: prune one group at a time at a few ratios and measure the metric with a
/// supplied evaluator (which may use a subset of images); then propose per-group ratios for a target drop.</summary>
public static class SensitivityAnalysis
{
    /// <param name="recover">The recover stage each trial goes through before it is measured (BN re-estimation is
    /// costly per trial: a quick table leaves it out).</param>
    /// <param name="evaluate">The metric of a model, higher is better (mAP@0.5:0.95).</param>
    /// <param name="options">Criterion and rounding used for every trial; its ratio is ignored.</param>
    public static SensitivityTable Measure(ChannelPruner pruner, Func<PruneResult, ModelProto> recover, Func<ModelProto, double> evaluate,
        IReadOnlyList<double> ratios, PruneOptions options, IProgress<string>? progress = null)
    {
        if (ratios.Count == 0 || ratios.Any(r => r is <= 0 or >= 1))
            throw new ArgumentException("Sensitivity ratios must be in (0, 1).", nameof(ratios));
        var sorted = ratios.Order().ToArray();
        var cost = new CostPredictor(pruner.Graph);
        double baseline = evaluate(pruner.Model);
        var rows = new List<SensitivityRow>();
        foreach (var group in pruner.Graph.PrunableGroups.Where(g => !options.Protect.Any(g.Matches)))
        {
            var drops = new double[sorted.Length];
            var saved = new long[sorted.Length];
            for (int i = 0; i < sorted.Length; i++)
            {
                var trial = options with { Ratio = 0, Scope = PruneScope.Uniform, GroupRatios = new Dictionary<string, double> { [group.Name] = sorted[i] } };
                drops[i] = baseline - evaluate(recover(pruner.Prune(trial)));
                saved[i] = cost.Macs - cost.Predict(new Dictionary<int, double> { [group.Id] = Keep(group, sorted[i], options.RoundTo) });
                progress?.Report(string.Create(CultureInfo.InvariantCulture, $"{group.Name} @ {sorted[i]:0.##}: drop {drops[i]:0.0000}"));
            }
            rows.Add(new SensitivityRow(group.Name, group.Size, drops, saved));
        }
        return new SensitivityTable(baseline, cost.Macs, sorted, rows);
    }

    /// <summary>Greedy proposal: starting from nothing pruned, repeatedly raise the ratio (in steps of
    /// <paramref name="step"/>, up to the table's largest ratio) of the group that removes the most MACs per
    /// point of predicted drop, while the summed predicted drops stay within <paramref name="targetDrop"/>.
    /// Drops between measured ratios are interpolated linearly (and never decrease with the ratio).</summary>
    public static RatioProposal Propose(ChannelPruner pruner, SensitivityTable table, double targetDrop, int roundTo = 8, double step = 0.05)
    {
        var path = GreedyPath(pruner, table, roundTo, step);
        return path.LastOrDefault(p => p.PredictedDrop <= targetDrop) ?? Empty(table);
    }

    /// <summary>Every proposal the greedy passes through, from one step to all groups at the largest ratio;
    /// each removes more MACs and has a larger predicted drop than the one before.</summary>
    public static IReadOnlyList<RatioProposal> GreedyPath(ChannelPruner pruner, SensitivityTable table, int roundTo = 8, double step = 0.05)
    {
        var cost = new CostPredictor(pruner.Graph);
        var rows = table.Rows.Select(r => (Row: r, Group: pruner.Graph.Group(r.Group)!)).ToArray();
        var ratio = new double[rows.Length];
        double maxRatio = table.Ratios[^1], used = 0;
        var keep = rows.ToDictionary(r => r.Group.Id, _ => 1.0);
        long macs = cost.Predict(keep);
        var path = new List<RatioProposal>();
        while (true)
        {
            int best = -1;
            double bestValue = double.NegativeInfinity, bestDrop = 0;
            long bestMacs = 0;
            for (int i = 0; i < rows.Length; i++)
            {
                double next = Math.Min(maxRatio, ratio[i] + step);
                if (next <= ratio[i] + 1e-9) continue;
                double extra = Drop(table, rows[i].Row, next) - Drop(table, rows[i].Row, ratio[i]);
                var trial = new Dictionary<int, double>(keep) { [rows[i].Group.Id] = Keep(rows[i].Group, next, roundTo) };
                long trialMacs = cost.Predict(trial);
                double value = (macs - trialMacs) / Math.Max(extra, 1e-9);
                if (value > bestValue) (best, bestValue, bestDrop, bestMacs) = (i, value, extra, trialMacs);
            }
            if (best < 0) break;
            ratio[best] = Math.Min(maxRatio, ratio[best] + step);
            keep[rows[best].Group.Id] = Keep(rows[best].Group, ratio[best], roundTo);
            used += bestDrop;
            macs = bestMacs;
            var ratios = new Dictionary<string, double>();
            for (int i = 0; i < rows.Length; i++)
                if (ratio[i] > 0) ratios[rows[i].Row.Group] = Math.Round(ratio[i], 4);
            path.Add(new RatioProposal(ratios, used, cost.Macs, macs));
        }
        return path;
    }

    /// <summary>Finds, with the evaluator, the furthest point of the greedy path whose measured drop stays
    /// within <paramref name="targetDrop"/>: a binary search over the path, starting where the table predicts
    /// the target. Single-group drops do not add up (pruning many groups compounds), and the table may be in
    /// other units than the evaluator (a low-noise proxy), so only measured drops decide.</summary>
    /// <param name="evaluate">The metric the target is in (mAP@0.5:0.95), higher is better.</param>
    /// <param name="recover">The recover stage proposals go through before they are measured; full recovery (with
    /// BN re-estimation) is worth its cost here even when the table was measured without it.</param>
    /// <param name="options">Criterion and rounding the proposals are pruned with.</param>
    public static RatioProposal ProposeAndVerify(ChannelPruner pruner, Func<PruneResult, ModelProto> recover, SensitivityTable table,
        double targetDrop, Func<ModelProto, double> evaluate, PruneOptions options, int rounds = 8, IProgress<string>? progress = null)
    {
        var path = GreedyPath(pruner, table, options.RoundTo).ToList();
        double baseline = evaluate(pruner.Model);
        int within = -1, over = path.Count;
        RatioProposal? best = null;
        int next = Math.Clamp(path.FindLastIndex(p => p.PredictedDrop <= targetDrop), 0, path.Count - 1);
        for (int round = 0; round < rounds && within + 1 < over; round++)
        {
            var proposal = path[next];
            var result = pruner.Prune(options with { Ratio = 0, Scope = PruneScope.Uniform, GroupRatios = proposal.Ratios });
            double drop = baseline - evaluate(recover(result));
            proposal = proposal with { MeasuredDrop = drop };
            progress?.Report(string.Create(CultureInfo.InvariantCulture,
                $"path step {next + 1}/{path.Count}: predicted {proposal.PredictedDrop:0.00000}, measured drop {drop:0.0000}, MACs {proposal.MacsAfter / (double)proposal.MacsBefore:P1}"));
            if (drop <= targetDrop)
            {
                within = next;
                best = proposal;
            }
            else over = next;
            next = (within + over) / 2;
            if (next <= within) next = within + 1;
        }
        return best ?? Empty(table) with { MeasuredDrop = 0 };
    }

    private static RatioProposal Empty(SensitivityTable table) => new(new Dictionary<string, double>(), 0, table.Macs, table.Macs);

    private static double Keep(PruningGroup group, double ratio, int roundTo) =>
        (double)RatioAllocation.KeepCount(group.Size, ratio, roundTo) / group.Size;

    /// <summary>Interpolated, non-decreasing, non-negative drop of a group at a ratio.</summary>
    private static double Drop(SensitivityTable table, SensitivityRow row, double ratio)
    {
        double previousRatio = 0, previousDrop = 0, running = 0;
        for (int i = 0; i < table.Ratios.Count; i++)
        {
            double r = table.Ratios[i], d = Math.Max(running, Math.Max(0, row.Drops[i]));
            if (ratio <= r) return previousDrop + (d - previousDrop) * (ratio - previousRatio) / (r - previousRatio);
            (previousRatio, previousDrop, running) = (r, d, d);
        }
        return running;
    }
}

/// <summary>Per-group ratios for a target drop.</summary>
public sealed record RatioProposal(IReadOnlyDictionary<string, double> Ratios, double PredictedDrop, long MacsBefore, long MacsAfter)
{
    /// <summary>The drop the evaluator measured for this proposal, when it was checked.</summary>
    public double? MeasuredDrop { get; init; }

    /// <summary>As PruneOverrides entries ("group=ratio").</summary>
    public IReadOnlyList<string> ToOverrides() =>
        Ratios.OrderBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Key}={r.Value:0.####}")).ToArray();
}
