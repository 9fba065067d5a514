using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Initialization;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary><c>geometry</c>: the Pareto table of input geometry x compression on yolov5n. Each variant is compressed by
/// the real pipeline (calibrated on coco128 0-63, validated on 64-127, the images it did not calibrate on), then every
/// model's latency is measured interleaved (one run of each in turn, at one and at two threads) on the held-out images'
/// own letterboxed inputs, so a per-image-shape model is timed over the shapes it meets. The front (no other variant
/// both faster at one thread and more accurate) is marked, and the chart written beside the CSV.
/// Options: --out DIR (default docs/results), --runs N (latency rounds over the 64 images' inputs, default 2),
/// --only "640 float,640x480 int8,..." (variant names), --reuse (read back the models an earlier run compressed: for a
/// latency rerun on a quiet machine), --yolov5s (latency alone for a random yolov5s from init).</summary>
internal static class GeometryBenchmark
{
    private sealed record Variant(string Name, string InputSize, string Profile, string[] Settings);

    private static readonly string[] Sizes = ["640", "576", "512", "448", "384", "320", "640x480", "dynamic:640", "dynamic:512"];

    private static IEnumerable<Variant> Variants()
    {
        foreach (var size in Sizes)
        {
            yield return new Variant($"{size} float", size, "int8", ["Quantization=none"]);
            yield return new Variant($"{size} int8", size, "int8", []);
        }
        foreach (var size in new[] { "640", "640x480" })
            yield return new Variant($"{size} pruned-int8", size, "pruned-int8", []);
    }

    public static int Run(string[] args)
    {
        string output = Option(args, "--out") ?? Path.Combine(Directory.GetCurrentDirectory(), "docs", "results");
        int rounds = int.Parse(Option(args, "--runs") ?? "2", CultureInfo.InvariantCulture);
        var only = Option(args, "--only")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Directory.CreateDirectory(output);
        var evaluation = BenchmarkData.Coco128Range(64, 64);
        var calibration = BenchmarkData.Coco128Range(0, 64).Samples.Select(s => s.ImagePath).ToArray();
        Console.WriteLine($"yolov5n; calibration: coco128 0-63 ({calibration.Length} images); evaluation: coco128 64-127 ({evaluation.Samples.Count} images)");
        Console.WriteLine(Environment.ProcessorCount + " cores, " + CpuName());

        var rows = new List<Row>();
        string work = Path.Combine(Path.GetTempPath(), "yolocompress-bench", "geometry");
        foreach (var v in Variants().Where(v => only is null || only.Contains(v.Name)))
        {
            var clock = Stopwatch.StartNew();
            var folder = Path.Combine(work, v.Name.Replace(' ', '_').Replace(':', '_'));
            if (args.Contains("--reuse") && File.Exists(Path.Combine(folder, "yolov5n.yolo.json")))
            {
                // Accuracy, FLOPs and size are deterministic: a second run for latency alone reads them back.
                using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "yolov5n.yolo.json")));
                var after = json.RootElement.GetProperty("metrics").GetProperty("after");
                rows.Add(new Row(v.Name, File.ReadAllBytes(Path.Combine(folder, "yolov5n.onnx")), after.GetProperty("gigaFlops").GetDouble(),
                    after.GetProperty("map50To95").GetDouble(), after.GetProperty("fileBytes").GetInt64()));
                continue;
            }
            var settings = ProfileResolver.Resolve(v.Profile, null, v.Settings.Append($"InputSize={v.InputSize}").Append("HeadConvs=float")
                .Select(s => s.Split('=', 2)).Select(p => new SettingOverride(p[0], p[1], new Core.Diagnostics.DiagnosticOrigin(null, "benchmark")))).Settings;
            var outcome = CompressionPipeline.Run(new CompressionRequest(BenchmarkData.Weights("yolov5n.pt"), calibration, evaluation.Root,
                settings, v.Profile, folder, "yolov5n"));
            rows.Add(new Row(v.Name, File.ReadAllBytes(outcome.OnnxPath), outcome.After.GigaFlops, outcome.After.Map50To95!.Value, outcome.After.FileBytes));
            Console.WriteLine(FormattableString.Invariant($"  {v.Name,-24} mAP {outcome.After.Map50To95:0.0000}  {outcome.After.GigaFlops:0.00} GFLOPs  {clock.Elapsed.TotalSeconds:0} s"));
        }

        var inputs = evaluation.Samples.Select(s => RgbImage.Load(s.ImagePath)).ToArray();
        var one = Latency(rows.Select(r => r.Model).ToArray(), inputs, threads: 1, rounds);
        var two = Latency(rows.Select(r => r.Model).ToArray(), inputs, threads: 2, rounds);
        var table = rows.Select((r, i) => r with { OneThreadMs = one[i], TwoThreadMs = two[i] }).ToList();
        var front = Front(table);
        var baseline = table.FirstOrDefault(r => r.Name == "640 float") ?? table[0];

        var lines = new List<string> { "variant,gflops,flops_x,file_mb,ms_1t,x_1t,ms_2t,x_2t,map50_95,points,front" };
        Console.WriteLine();
        Console.WriteLine($"| variant | GFLOPs | FLOPs | file MB | 1 thread ms | x | 2 threads ms | x | mAP@0.5:0.95 | points | front |");
        Console.WriteLine("| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | :-: |");
        foreach (var r in table)
        {
            bool onFront = front.Contains(r);
            string I(FormattableString f) => FormattableString.Invariant(f);
            Console.WriteLine(I($"| {r.Name} | {r.GigaFlops:0.00} | {r.GigaFlops / baseline.GigaFlops:0.00}x | {r.FileBytes / 1048576.0:0.00} | {r.OneThreadMs:0.0} | {r.OneThreadMs / baseline.OneThreadMs:0.00}x | {r.TwoThreadMs:0.0} | {r.TwoThreadMs / baseline.TwoThreadMs:0.00}x | {r.Map:0.0000} | {Math.Round((r.Map - baseline.Map) * 100, 1):+0.0;-0.0;0.0} | {(onFront ? "*" : "")} |"));
            lines.Add(I($"{r.Name},{r.GigaFlops:0.000},{r.GigaFlops / baseline.GigaFlops:0.000},{r.FileBytes / 1048576.0:0.000},{r.OneThreadMs:0.00},{r.OneThreadMs / baseline.OneThreadMs:0.000},{r.TwoThreadMs:0.00},{r.TwoThreadMs / baseline.TwoThreadMs:0.000},{r.Map:0.00000},{(r.Map - baseline.Map) * 100:0.00},{(onFront ? 1 : 0)}"));
        }
        File.WriteAllLines(Path.Combine(output, "geometry.csv"), lines);
        Plot(table, front, Path.Combine(output, "..", "images", "geometry-pareto.png"));

        foreach (var precision in new[] { "float", "int8" })
            if (table.FirstOrDefault(r => r.Name == $"dynamic:640 {precision}") is { } dynamicRow && table.FirstOrDefault(r => r.Name == $"640x480 {precision}") is { } fixedRow)
            {
                // The cost of symbolic shapes alone: both models on the same 640x480 input.
                var input = new RgbImage(640, 480, new byte[640 * 480 * 3]);
                var same = Latency([dynamicRow.Model, fixedRow.Model], Enumerable.Repeat(input, 30).ToArray(), threads: 1, rounds: 1);
                Console.WriteLine(FormattableString.Invariant($"same 640x480 input, one thread, {precision}: dynamic {same[0]:0.0} ms, static {same[1]:0.0} ms ({same[0] / same[1]:0.00}x)"));
            }

        if (args.Contains("--yolov5s")) Yolov5sLatency(calibration, inputs, rounds);
        return 0;
    }

    private sealed record Row(string Name, byte[] Model, double GigaFlops, double Map, long FileBytes, double OneThreadMs = 0, double TwoThreadMs = 0);

    /// <summary>Variants no other variant beats on both one-thread latency and mAP.</summary>
    private static HashSet<Row> Front(IReadOnlyList<Row> rows) =>
        rows.Where(r => !rows.Any(o => !ReferenceEquals(o, r) && o.OneThreadMs <= r.OneThreadMs && o.Map >= r.Map && (o.OneThreadMs < r.OneThreadMs || o.Map > r.Map))).ToHashSet();

    /// <summary>Median milliseconds per image of each model, round-robin over the models image by image, each model fed
    /// the image letterboxed as its own input asks (fixed, or the image's own rectangle).</summary>
    private static double[] Latency(IReadOnlyList<byte[]> models, IReadOnlyList<RgbImage> images, int threads, int rounds)
    {
        var sessions = models.Select(m =>
        {
            using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            var session = new InferenceSession(m, options);
            using var detector = new YoloDetector(m);
            var feeds = images.Select(image =>
            {
                var (tensor, t) = Letterbox.Apply(image, detector.Geometry);
                return OrtValue.CreateTensorValueFromMemory(tensor, [1, 3, t.InputHeight, t.InputWidth]);
            }).ToArray();
            return (Session: session, Feeds: feeds);
        }).ToArray();
        try
        {
            var times = sessions.Select(_ => new List<double>()).ToArray();
            using var runOptions = new RunOptions();
            for (int round = -1; round < rounds; round++)
                for (int i = 0; i < images.Count; i++)
                    for (int m = 0; m < sessions.Length; m++)
                    {
                        var s = sessions[m];
                        long start = Stopwatch.GetTimestamp();
                        using (s.Session.Run(runOptions, [s.Session.InputNames[0]], [s.Feeds[i]], s.Session.OutputNames)) { }
                        if (round >= 0) times[m].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    }
            // The mean over the images (each image's median over rounds would need more rounds than a 2-core machine
            // affords); the first round warms every shape up.
            return times.Select(t => t.Average()).ToArray();
        }
        finally
        {
            foreach (var s in sessions)
            {
                foreach (var f in s.Feeds) f.Dispose();
                s.Session.Dispose();
            }
        }
    }

    /// <summary>yolov5s at the same geometries, float and int8, latency only (random weights from init: accuracy is
    /// meaningless, speed is the model's).</summary>
    private static void Yolov5sLatency(IReadOnlyList<string> calibration, IReadOnlyList<RgbImage> images, int rounds)
    {
        string work = Path.Combine(Path.GetTempPath(), "yolocompress-bench", "geometry-yolov5s");
        Directory.CreateDirectory(work);
        string checkpoint = Path.Combine(work, "yolov5s.pt");
        CheckpointInitializer.Write("yolov5s", checkpoint, seed: 0);
        var names = new List<string>();
        var models = new List<byte[]>();
        foreach (var size in new[] { "640", "512", "640x480", "dynamic:640" })
            foreach (var quantization in new[] { "none", "int8" })
            {
                var settings = ProfileResolver.Resolve("int8", null, [new SettingOverride("InputSize", size, new(null, "benchmark")),
                    new SettingOverride("Quantization", quantization, new(null, "benchmark")), new SettingOverride("HeadConvs", "float", new(null, "benchmark"))]).Settings;
                var outcome = CompressionPipeline.Run(new CompressionRequest(checkpoint, calibration.Take(16).ToArray(), null, settings, "int8",
                    Path.Combine(work, $"{size.Replace(':', '_')}-{quantization}"), "yolov5s"));
                names.Add($"yolov5s {size} {(quantization == "none" ? "float" : "int8")}");
                models.Add(File.ReadAllBytes(outcome.OnnxPath));
            }
        var one = Latency(models, images, 1, Math.Max(1, rounds / 2));
        var two = Latency(models, images, 2, Math.Max(1, rounds / 2));
        Console.WriteLine();
        Console.WriteLine("| yolov5s (random weights) | 1 thread ms | x | 2 threads ms | x |");
        Console.WriteLine("| --- | --: | --: | --: | --: |");
        for (int i = 0; i < names.Count; i++)
            Console.WriteLine(FormattableString.Invariant($"| {names[i]} | {one[i]:0.0} | {one[i] / one[0]:0.00}x | {two[i]:0.0} | {two[i] / two[0]:0.00}x |"));
    }

    private static void Plot(IReadOnlyList<Row> rows, HashSet<Row> front, string path)
    {
        var plot = ChildRun.NewPlot();
        var palette = new ScottPlot.Palettes.Category10();
        var groups = rows.GroupBy(r => r.Name.Split(' ')[1]).ToArray();
        for (int g = 0; g < groups.Length; g++)
        {
            var points = plot.Add.Scatter(groups[g].Select(r => r.OneThreadMs).ToArray(), groups[g].Select(r => r.Map).ToArray());
            points.LegendText = groups[g].Key;
            points.Color = palette.GetColor(g);
            points.LineWidth = 0;
            points.MarkerSize = 9;
            foreach (var r in groups[g])
            {
                var label = plot.Add.Text(r.Name.Split(' ')[0], r.OneThreadMs, r.Map);
                label.LabelFontSize = 11;
                label.LabelFontColor = palette.GetColor(g);
            }
        }
        var ordered = front.OrderBy(r => r.OneThreadMs).ToArray();
        var line = plot.Add.Scatter(ordered.Select(r => r.OneThreadMs).ToArray(), ordered.Select(r => r.Map).ToArray());
        line.LegendText = "front";
        line.Color = ScottPlot.Colors.Black;
        line.MarkerSize = 0;
        line.LinePattern = ScottPlot.LinePattern.Dashed;
        plot.Title("yolov5n: input geometry x compression (coco128 64-127, one-thread ONNX Runtime latency)");
        plot.XLabel("milliseconds per image, one thread");
        plot.YLabel("mAP@0.5:0.95");
        plot.ShowLegend(ScottPlot.Edge.Right);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 1100, 650);
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string CpuName() =>
        File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "" : "";
}
