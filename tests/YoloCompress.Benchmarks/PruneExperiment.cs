using YoloCompress.Core.Recovery;
using YoloCompress.Core.Calibration;
using System.Diagnostics;
using System.Globalization;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Benchmarks;

/// <summary>Recovery ablation on yolov5n: one ratio and criterion, recovery variants side by side ("fold":
/// mean folding, "lsq": least-squares reconstruction, "match": BN re-estimation; --variants a,b picks some).
/// Options: --ratio 0.05 --criterion activation-variance --images 128 --calib 64 --threads 0 --round 1.</summary>
internal static class PruneExperiment
{
    public static int Run(string[] args)
    {
        var o = Options.Parse(args);
        double ratio = o.Double("ratio", 0.05);
        string criterion = o.String("criterion", "activation-variance");
        int threads = o.Int("threads", 0), round = o.Int("round", 1);
        var model = BenchmarkData.BuildWorkingGraph(BenchmarkData.Weights("yolov5n.pt"), 640);
        var dataset = BenchmarkData.Coco128Subset(o.Int("images", 128));
        var calibration = CalibrationImages.Letterboxed(CalibrationImages.First(BenchmarkData.Coco128Images, o.Int("calib", 64)), 640);
        var pruner = new ChannelPruner(model, calibration, threads);
        var sw = Stopwatch.StartNew();
        _ = pruner.Statistics;
        Console.WriteLine($"calibration statistics: {sw.Elapsed.TotalSeconds:0.0} s");
        var prune = new PruneOptions { Ratio = ratio, Criterion = BenchmarkData.Criterion(criterion), RoundTo = round };
        var full = new RecoveryOptions();
        var variants = new List<(string, PruneOptions, RecoveryOptions?)>
        {
            ("unpruned", prune with { Ratio = 0 }, null),
            ("no recovery", prune, null),
            ("fold+match8", prune, full with { Reconstruct = false, MatchImages = 8 }),
            ("fold+match32", prune, full with { Reconstruct = false, MatchImages = 32 }),
            ("fold", prune, full with { MatchStatistics = false, Reconstruct = false }),
            ("fold+match", prune, full with { Reconstruct = false }),
            ("fold+match no-head", prune, full with { Reconstruct = false, MatchDetectOutputs = false }),
            ("lsq", prune, full with { MatchStatistics = false }),
            ("lsq+match", prune, full),
            ("lsq64+match", prune, full with { ReconstructImages = 64 }),
        };
        var only = o.String("variants", "");
        foreach (var (name, options, recovery) in variants)
        {
            if (only.Length > 0 && !only.Split(',').Contains(name)) continue;
            sw.Restart();
            var result = BenchmarkData.PruneAndRecover(pruner, options, recovery);
            var pruneTime = sw.Elapsed.TotalSeconds;
            var map = BenchmarkData.Evaluate(result.Model, dataset, threads);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-24} removed {result.RemovedFraction:P1}  mAP50-95 {map.Map50To95:0.000}  mAP50 {map.Map50:0.000}  (prune {pruneTime:0.0} s, eval {sw.Elapsed.TotalSeconds - pruneTime:0.0} s)"));
        }
        return 0;
    }
}

/// <summary>--name value pairs.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new();

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"Expected --name value, got '{args[i]}'.");
            o._values[args[i][2..]] = args[i + 1];
        }
        return o;
    }

    public string String(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
