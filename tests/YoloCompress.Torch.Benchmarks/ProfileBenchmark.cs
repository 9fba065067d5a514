using System.Diagnostics;
using System.Globalization;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Runtime;

namespace YoloCompress.Torch.Benchmarks;

/// <summary>Issue 11's bar, side by side in one run: yolov5n through `int8`, `pruned-distilled-int8` and the same
/// structure with calibration-only recovery (and any --variants NAME=Setting=Value,...), each by the real pipeline,
/// calibrated and distilled on coco128 images 0-63 and evaluated on images 64-127, which none of them saw. Latency:
/// one and two threads, all models interleaved round by round, so machine load hits them alike.</summary>
internal static class ProfileBenchmark
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        var o = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal)).ToDictionary(p => p.a[2..], p => args[p.i + 1]);
        string Get(string key, string fallback) => o.GetValueOrDefault(key, fallback);
        int train = int.Parse(Get("train", "64"), C), runs = int.Parse(Get("runs", "30"), C);
        var extra = Get("set", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var shared = DistillBenchmark.SharedData();
        var all = Directory.GetFiles(Path.Combine(shared, "coco128", "images", "train2017"), "*.jpg").Order(StringComparer.Ordinal).ToList();
        var calibration = all.Take(train).ToList();
        var heldOut = DistillBenchmark.Subset(shared, all.Skip(train).ToList(), $"coco128-from{train}-1000");
        var model = Path.Combine(shared, "weights", "yolov5n.pt");
        var outRoot = Path.GetFullPath(Get("out", Path.Combine("artifacts", "benchmarks", "profiles")));

        var variants = new List<(string Name, string Profile, string[] Settings)>
        {
            ("float32", BuiltInProfiles.Int8, ["Quantization=none"]),
            ("int8", BuiltInProfiles.Int8, []),
            ("pruned (calibration) int8", BuiltInProfiles.PrunedDistilledInt8, ["Recovery=calibration"]),
            ("pruned-distilled-int8", BuiltInProfiles.PrunedDistilledInt8, []),
            ("int8-qat", BuiltInProfiles.Int8, ["Quantization=int8-qat"]),
        };
        if (o.TryGetValue("keep", out var keep)) variants.RemoveAll(v => !keep.Split(',').Contains(v.Name));
        foreach (var v in Get("variants", "").Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = v.Split(',');
            variants.Add((parts[0], parts[1], parts[2..]));
        }

        var rows = new List<(string Name, CompressionOutcome Outcome, double Seconds, double HeldOutMap)>();
        foreach (var (name, profile, settings) in variants)
        {
            var origin = DiagnosticOrigin.CommandLine("benchmark");
            var resolved = ProfileResolver.Resolve(profile, null, settings.Concat(extra).Select(s => ProfileResolver.ParseAssignment(s, origin)));
            var dir = Path.Combine(outRoot, string.Concat(name.Where(char.IsLetterOrDigit)));
            var request = new CompressionRequest(model, calibration, null, resolved.Settings, resolved.Name, dir, "yolov5n");
            var clock = Stopwatch.StartNew();
            var outcome = CompressionPipeline.Run(request, new Progress<string>(line => Console.Error.WriteLine($"  [{name}] {line}")));
            double seconds = clock.Elapsed.TotalSeconds;
            using var detector = new YoloDetector(File.ReadAllBytes(outcome.OnnxPath), new YoloDetectorOptions { IntraOpThreads = 2 });
            double map = new MapEvaluator().Evaluate(detector, heldOut).Map50To95;
            rows.Add((name, outcome, seconds, map));
            Console.WriteLine(string.Create(C, $"{name}: {seconds:0} s, held-out mAP@0.5:0.95 {map:0.0000}, peak working set so far {Process.GetCurrentProcess().PeakWorkingSet64 / 1e9:0.00} GB"));
        }

        var latencies = new Dictionary<(string, int), List<double>>();
        var detectors = rows.Select(r => (r.Name, Bytes: File.ReadAllBytes(r.Outcome.OnnxPath))).ToList();
        foreach (int threads in new[] { 1, 2 })
            for (int round = 0; round < 5; round++)
                foreach (var (name, bytes) in detectors)
                {
                    var result = LatencyBenchmark.Measure(bytes, threads, runs: runs / 5, warmup: 2);
                    if (!latencies.TryGetValue((name, threads), out var list)) latencies[(name, threads)] = list = [];
                    list.Add(result.MedianMs);
                }
        double Median(string name, int threads) => latencies[(name, threads)].Order().ElementAt(latencies[(name, threads)].Count / 2);

        var floatRow = rows[0];
        Console.WriteLine();
        Console.WriteLine("| variant | GFLOPs (of float) | file (of float) | held-out mAP@0.5:0.95 (vs float) | latency 1 thread (vs float) | 2 threads (vs float) | compression time |");
        Console.WriteLine("| --- | --: | --: | --: | --: | --: | --: |");
        foreach (var r in rows)
        {
            var a = r.Outcome.After;
            Console.WriteLine(string.Create(C,
                $"| {r.Name} | {a.GigaFlops:0.00} ({a.GigaFlops / floatRow.Outcome.After.GigaFlops:0.00}x) | {a.FileBytes / 1e6:0.00} MB ({(double)a.FileBytes / floatRow.Outcome.After.FileBytes:0.00}x) | " +
                $"{r.HeldOutMap:0.0000} ({(r.HeldOutMap - floatRow.HeldOutMap) * 100:+0.0;-0.0} points) | {Median(r.Name, 1):0.0} ms ({Median(r.Name, 1) / Median(floatRow.Name, 1):0.00}x) | " +
                $"{Median(r.Name, 2):0.0} ms ({Median(r.Name, 2) / Median(floatRow.Name, 2):0.00}x) | {r.Seconds:0} s |"));
        }
        return 0;
    }
}
