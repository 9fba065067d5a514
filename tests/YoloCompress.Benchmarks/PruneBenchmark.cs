using YoloCompress.Core.Recovery;
using YoloCompress.Core.Calibration;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pruning;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>The pruning benchmark on yolov5n and coco128 (calibration: the first 64 images by name).
/// Sections (--sections, comma separated; default all):
///   table        mAP@0.5:0.95 of every criterion at 3, 5, 10, 25% (uniform, exact ratios: PruneRoundTo 1),
///                with and without recovery, next to random; writes prune-curves.png and prune-table.csv;
///   structure    params, GFLOPs, file size and 1-thread latency at 640, unpruned vs 25% pruned (PruneRoundTo 8, BN folded);
///   sensitivity  per-group drops on a subset, the per-group ratios proposed for a 2-point drop, and the
///                uniform ratio that costs 2 points, with their MACs.
/// Other options: --images 128 (evaluation) --calib 64 --threads 0 --criteria a,b --ratios 0.03,0.05
///   --sens-images 32 --proxy-images 8 --sens-match false --sens-match-images 4 --target 0.02 --out artifacts/benchmarks/prune</summary>
internal static class PruneBenchmark
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        var o = Options.Parse(args);
        var sections = o.String("sections", "table,structure,sensitivity").Split(',');
        int threads = o.Int("threads", 0);
        var outDir = Path.GetFullPath(o.String("out", Path.Combine("artifacts", "benchmarks", "prune")));
        Directory.CreateDirectory(outDir);
        var model = BenchmarkData.BuildWorkingGraph(BenchmarkData.Weights("yolov5n.pt"), 640);
        var calibration = CalibrationImages.Letterboxed(CalibrationImages.First(BenchmarkData.Coco128Images, o.Int("calib", 64)), 640);
        var pruner = new ChannelPruner(model, calibration, threads);
        var dataset = BenchmarkData.Coco128Subset(o.Int("images", 128));
        var sw = Stopwatch.StartNew();
        _ = pruner.Statistics;
        Console.WriteLine($"yolov5n, {pruner.Graph.PrunableGroups.Count()} prunable groups of {pruner.Graph.Groups.Count}; calibration statistics {sw.Elapsed.TotalSeconds:0.0} s");
        double baseline = BenchmarkData.Evaluate(model, dataset, threads).Map50To95;
        Console.WriteLine(string.Create(C, $"unpruned mAP@0.5:0.95 on {dataset.Samples.Count} images: {baseline:0.000}"));

        if (sections.Contains("table")) Table(o, pruner, dataset, baseline, threads, outDir);
        if (sections.Contains("structure")) Structure(o, pruner, dataset, threads);
        if (sections.Contains("sensitivity")) Sensitivity(o, pruner, threads);
        return 0;
    }

    private static void Table(Options o, ChannelPruner pruner, YoloDataset dataset, double baseline, int threads, string outDir)
    {
        var criteria = o.String("criteria", string.Join(",", Enum.GetValues<PruneCriterion>().Select(c => c.ToSettingName()))).Split(',');
        var ratios = o.String("ratios", "0.03,0.05,0.10,0.25").Split(',').Select(r => double.Parse(r, C)).ToArray();
        var results = new Dictionary<(string, bool), double[]>();
        var csv = new StringBuilder("criterion,recovery,ratio,removed,map50_95,map50,prune_s\n");
        foreach (var criterion in criteria)
            foreach (var recovery in new[] { false, true })
            {
                var maps = new double[ratios.Length];
                for (int i = 0; i < ratios.Length; i++)
                {
                    var sw = Stopwatch.StartNew();
                    var result = BenchmarkData.PruneAndRecover(pruner, new PruneOptions { Ratio = ratios[i], Criterion = BenchmarkData.Criterion(criterion), RoundTo = 1 }, recovery ? new RecoveryOptions() : null);
                    double seconds = sw.Elapsed.TotalSeconds;
                    var map = BenchmarkData.Evaluate(result.Model, dataset, threads);
                    maps[i] = map.Map50To95;
                    csv.Append(C, $"{criterion},{recovery},{ratios[i]},{result.RemovedFraction:0.0000},{map.Map50To95:0.0000},{map.Map50:0.0000},{seconds:0.0}\n");
                    Console.WriteLine(string.Create(C, $"  {criterion,-30} recovery {(recovery ? "on " : "off")} ratio {ratios[i]:0.00}: mAP@0.5:0.95 {map.Map50To95:0.000} (prune {seconds:0} s)"));
                }
                results[(criterion, recovery)] = maps;
            }
        var table = new StringBuilder();
        table.Append(C, $"\nmAP@0.5:0.95, coco128 ({dataset.Samples.Count} images), unpruned {baseline:0.000}; uniform ratio, exact channel counts\n");
        table.Append(C, $"{"criterion",-30}{"recovery",9}");
        foreach (var r in ratios) table.Append(C, $"{r,8:P0}");
        table.AppendLine();
        foreach (var ((criterion, recovery), maps) in results)
        {
            table.Append(C, $"{criterion,-30}{(recovery ? "on" : "off"),9}");
            foreach (var m in maps) table.Append(C, $"{m,8:0.000}");
            table.AppendLine();
        }
        Console.WriteLine(table);
        File.WriteAllText(Path.Combine(outDir, "prune-table.txt"), table.ToString());
        File.WriteAllText(Path.Combine(outDir, "prune-table.csv"), csv.ToString());
        Plot(results, ratios, baseline, Path.Combine(outDir, "prune-curves.png"));
        Console.WriteLine($"wrote {Path.Combine(outDir, "prune-curves.png")}");
    }

    /// <summary>prune-plot: redraws prune-curves.png from a prune-table.csv (--csv, --baseline 0.355, --out).</summary>
    public static int PlotFromCsv(string[] args)
    {
        var o = Options.Parse(args);
        var csv = o.String("csv", Path.Combine("artifacts", "benchmarks", "prune", "prune-table.csv"));
        var rows = File.ReadAllLines(csv).Skip(1).Select(l => l.Split(',')).ToArray();
        var ratios = rows.Select(r => double.Parse(r[2], C)).Distinct().Order().ToArray();
        var results = rows.GroupBy(r => (r[0], bool.Parse(r[1])))
            .ToDictionary(g => g.Key, g => ratios.Select(x => g.Where(r => double.Parse(r[2], C) == x).Select(r => double.Parse(r[4], C)).FirstOrDefault(double.NaN)).ToArray());
        var path = o.String("out", Path.Combine(Path.GetDirectoryName(csv)!, "prune-curves.png"));
        Plot(results, ratios, o.Double("baseline", 0.355), path);
        Console.WriteLine($"wrote {path}");
        return 0;
    }

    private static void Plot(Dictionary<(string, bool), double[]> results, double[] ratios, double baseline, string path)
    {
        var plot = ChildRun.NewPlot();
        var palette = new ScottPlot.Palettes.Category10();
        var criteria = results.Keys.Select(k => k.Item1).Distinct().ToList();
        var xs = new[] { 0.0 }.Concat(ratios.Select(r => r * 100)).ToArray();
        foreach (var ((criterion, recovery), maps) in results)
        {
            var line = plot.Add.Scatter(xs, new[] { baseline }.Concat(maps).ToArray());
            line.Color = palette.GetColor(criteria.IndexOf(criterion));
            line.LegendText = $"{criterion} ({(recovery ? "recovery" : "no recovery")})";
            line.LinePattern = recovery ? ScottPlot.LinePattern.Solid : ScottPlot.LinePattern.Dashed;
        }
        plot.Title("yolov5n on coco128: accuracy after pruning, no training");
        plot.XLabel("channels removed (%)");
        plot.YLabel("mAP@0.5:0.95");
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(path, 1100, 700);
    }

    private static void Structure(Options o, ChannelPruner pruner, YoloDataset dataset, int threads)
    {
        double ratio = o.Double("structure-ratio", 0.25);
        var result = BenchmarkData.PruneAndRecover(pruner, new PruneOptions { Ratio = ratio }, new RecoveryOptions());
        var before = BatchNormFolding.Fold(pruner.Model);
        var after = BatchNormFolding.Fold(result.Model);
        var costBefore = ModelCost.Of(before);
        var costAfter = ModelCost.Of(after);
        long bytesBefore = before.CalculateSize(), bytesAfter = after.CalculateSize();
        int runs = o.Int("latency-runs", 30);
        // Interleave the two models so that machine load affects both alike.
        var latencyBefore = new List<double>();
        var latencyAfter = new List<double>();
        for (int round = 0; round < 3; round++)
        {
            latencyBefore.Add(LatencyBenchmark.Measure(before.ToByteArray(), 1, runs).MedianMs);
            latencyAfter.Add(LatencyBenchmark.Measure(after.ToByteArray(), 1, runs).MedianMs);
        }
        double msBefore = latencyBefore.Min(), msAfter = latencyAfter.Min();
        double mapAfter = BenchmarkData.Evaluate(after, dataset, threads).Map50To95;
        var sb = new StringBuilder();
        sb.Append(C, $"\nStructure at {ratio:P0} (PruneRoundTo 8, {new PruneOptions().Criterion} + recovery; BN folded; removed {result.RemovedFraction:P1} of prunable channels)\n");
        sb.Append(C, $"{"",-22}{"unpruned",14}{"pruned",14}{"ratio",10}\n");
        sb.Append(C, $"{"parameters",-22}{costBefore.Parameters,14:N0}{costAfter.Parameters,14:N0}{(double)costAfter.Parameters / costBefore.Parameters,10:0.000}\n");
        sb.Append(C, $"{"GFLOPs (640)",-22}{costBefore.GFlops,14:0.000}{costAfter.GFlops,14:0.000}{costAfter.GFlops / costBefore.GFlops,10:0.000}\n");
        sb.Append(C, $"{"file bytes",-22}{bytesBefore,14:N0}{bytesAfter,14:N0}{(double)bytesAfter / bytesBefore,10:0.000}\n");
        sb.Append(C, $"{"latency ms (1 thread)",-22}{msBefore,14:0.0}{msAfter,14:0.0}{msAfter / msBefore,10:0.000}\n");
        sb.Append(C, $"{"mAP@0.5:0.95",-22}{"",14}{mapAfter,14:0.000}\n");
        Console.WriteLine(sb);
    }

    private static void Sensitivity(Options o, ChannelPruner pruner, int threads)
    {
        var subset = BenchmarkData.Coco128Subset(o.Int("sens-images", 32));
        double target = o.Double("target", 0.02);
        // The table prunes one group at a time with the cheap part of recovery (folding) and scores it by how far
        // the output scores move (a dense, low-noise proxy: single-group mAP drops on a subset are mostly noise at
        // the 2-point scale). Proposals and the uniform reference are pruned with full recovery and measured in mAP.
        var tableRecovery = new RecoveryOptions
        {
            MatchStatistics = o.String("sens-match", "false") == "true",
            MatchImages = o.Int("sens-match-images", 4),
        };
        var options = new PruneOptions();
        var recovery = new CalibrationRecovery(pruner);
        double Evaluate(ModelProto m) => BenchmarkData.Evaluate(m, subset, threads).Map50To95;
        var fidelity = new OutputFidelity(pruner.Model,
            CalibrationImages.Letterboxed(CalibrationImages.First(BenchmarkData.Coco128Images, 128).Skip(64).Take(o.Int("proxy-images", 8)).ToArray(), 640), threads);
        var sw = Stopwatch.StartNew();
        var table = SensitivityAnalysis.Measure(pruner, p => recovery.Recover(p, tableRecovery).Model, fidelity.Score, [0.25, 0.5], options);
        Console.WriteLine($"\nSensitivity (score distortion on {fidelity.Images} held-out images, {sw.Elapsed.TotalMinutes:0.0} min)");
        Console.WriteLine(table.ToText());
        var progress = new Progress<string>(s => Console.WriteLine("  " + s));
        var proposal = SensitivityAnalysis.ProposeAndVerify(pruner, p => recovery.Recover(p, new RecoveryOptions()).Model, table, target, Evaluate, options, rounds: 10, progress: progress);

        // The largest uniform ratio (PruneRoundTo 8, the same recovery) that costs at most the target.
        double baseline = Evaluate(pruner.Model);
        double bestUniform = 0;
        long uniformMacs = table.Macs;
        foreach (var ratio in new[] { 0.02, 0.03, 0.04, 0.05, 0.075, 0.10, 0.15 })
        {
            var result = BenchmarkData.PruneAndRecover(pruner, options with { Ratio = ratio }, new RecoveryOptions());
            double drop = baseline - Evaluate(result.Model);
            long macs = ModelCost.Of(result.Model).ConvMacs;
            Console.WriteLine(string.Create(C, $"  uniform {ratio:0.000}: drop {drop:0.0000}, MACs {(double)macs / table.Macs:P1}"));
            if (drop > target) break;
            (bestUniform, uniformMacs) = (ratio, macs);
        }
        // The same with exact channel counts (PruneRoundTo 1), where small uniform ratios exist at all.
        double bestExact = 0;
        long exactMacs = table.Macs;
        foreach (var ratio in new[] { 0.005, 0.01, 0.015, 0.02, 0.03 })
        {
            var result = BenchmarkData.PruneAndRecover(pruner, options with { Ratio = ratio, RoundTo = 1 }, new RecoveryOptions());
            double drop = baseline - Evaluate(result.Model);
            long macs = ModelCost.Of(result.Model).ConvMacs;
            Console.WriteLine(string.Create(C, $"  uniform {ratio:0.000} (PruneRoundTo 1): drop {drop:0.0000}, MACs {(double)macs / table.Macs:P1}"));
            if (drop > target) break;
            (bestExact, exactMacs) = (ratio, macs);
        }
        var proposed = BenchmarkData.PruneAndRecover(pruner, options with { Ratio = 0, GroupRatios = proposal.Ratios }, new RecoveryOptions());
        long proposedMacs = ModelCost.Of(proposed.Model).ConvMacs;
        Console.WriteLine(string.Create(C, $"\nFor a {target:0.00} drop: proposed per-group ratios keep {(double)proposedMacs / table.Macs:P1} of MACs (measured drop {proposal.MeasuredDrop:0.0000}); " +
            $"the largest uniform ratio within it, {bestUniform:0.000}, keeps {(double)uniformMacs / table.Macs:P1} (PruneRoundTo 8), " +
            $"{bestExact:0.000} keeps {(double)exactMacs / table.Macs:P1} (PruneRoundTo 1)."));
        Console.WriteLine("PruneOverrides: " + string.Join(" ", proposal.ToOverrides()));
    }
}
