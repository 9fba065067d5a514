using YoloCompress.Core.Diagnostics;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>Float vs every quantization variant side by side on a real checkpoint: mAP on a labelled
/// set, file size, ONNX Runtime latency on one thread, calibration time and peak memory.
/// Each variant is quantized in a child process, so its peak memory (VmHWM) is its own.</summary>
internal static class QuantBenchmark
{
    public const string ChildCommand = "quantize-one";

    private static readonly string[] AllVariants =
        { "float", "int8-minmax", "int8-percentile", "int8-entropy", "int8-mse", "fp16", "int8-weight-only" };

    private sealed record Options(string Weights, string Dataset, int CalibrationImages, int EvalImages, string[] Variants,
        int Runs, string[] KeepFloat, string OutputFolder, string ActivationType, double Percentile);

    private sealed record ChildResult(double CalibrationSeconds, double PeakMegabytes, int FloatNodes, int QuantizedNodes);

    public static int Run(string[] args)
    {
        var o = Parse(args);
        Directory.CreateDirectory(o.OutputFolder);
        Console.WriteLine($"weights {o.Weights}; calibration {o.CalibrationImages} images; evaluation {o.EvalImages} images of {o.Dataset}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores (shared: timings are indicative); outputs in {o.OutputFolder}");

        var floatPath = Path.Combine(o.OutputFolder, "float.onnx");
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(o.Weights), 640));
        File.WriteAllBytes(floatPath, model.ToByteArray());
        var dataset = Subset(YoloDataset.Load(o.Dataset), o.EvalImages, o.OutputFolder);
        // The images calibration did not see (coco128 with 64 calibration images: every other one).
        var calibrated = CalibrationImages.Select(Path.Combine(o.Dataset, "images"), o.CalibrationImages).ToHashSet(StringComparer.Ordinal);
        var heldOut = Link(dataset.Samples.Where(s => !calibrated.Contains(Path.GetFullPath(s.ImagePath))), Path.Combine(o.OutputFolder, "held-out"));

        long floatBytes = new FileInfo(floatPath).Length;
        var results = new List<(string Variant, string Path, MapResult Map, MapResult HeldOut, ChildResult? Child)>();
        foreach (var variant in o.Variants)
        {
            string path = floatPath;
            ChildResult? child = null;
            if (variant != "float")
            {
                path = Path.Combine(o.OutputFolder, variant + ".onnx");
                child = RunChild(o, variant, floatPath, path);
            }
            MapResult map, held;
            using (var detector = new YoloDetector(File.ReadAllBytes(path), new YoloDetectorOptions { IntraOpThreads = 1 }))
                (map, held) = (new MapEvaluator().Evaluate(detector, dataset), new MapEvaluator().Evaluate(detector, heldOut));
            results.Add((variant, path, map, held, child));
            Console.WriteLine($"  {variant}: mAP50 {map.Map50:0.0000} mAP50-95 {map.Map50To95:0.0000}" +
                (child is null ? "" : $", quantized in {child.CalibrationSeconds:0.0} s, peak {child.PeakMegabytes:0} MB"));
        }

        // Latency last and interleaved (one run of each model in turn), so that load from other processes
        // on a shared machine falls on every variant alike.
        var bytesOf = results.Select(r => File.ReadAllBytes(r.Path)).ToArray();
        var medians = InterleavedLatency.Measure(bytesOf, threads: 1, o.Runs);
        var medians2 = InterleavedLatency.Measure(bytesOf, threads: 2, o.Runs);
        int fi = results.FindIndex(r => r.Variant == "float");
        double? floatLatency = fi >= 0 ? medians[fi] : null, floatLatency2 = fi >= 0 ? medians2[fi] : null;
        var rows = results.Select((r, i) =>
        {
            long bytes = new FileInfo(r.Path).Length;
            return new[]
            {
                r.Variant,
                F(r.Map.Map50, "0.000"), F(r.Map.Map50To95, "0.000"), F(r.HeldOut.Map50To95, "0.000"),
                F(bytes / 1e6, "0.00"), F(100.0 * bytes / floatBytes, "0.00") + "%",
                F(medians[i], "0.0"), floatLatency is { } f ? F(medians[i] / f, "0.00") + "x" : "-",
                F(medians2[i], "0.0"), floatLatency2 is { } f2 ? F(medians2[i] / f2, "0.00") + "x" : "-",
                r.Child is null ? "-" : F(r.Child.CalibrationSeconds, "0.0"),
                r.Child is null ? "-" : F(r.Child.PeakMegabytes, "0"),
                r.Child is null ? "-" : r.Child.FloatNodes.ToString(CultureInfo.InvariantCulture),
            };
        }).ToList();

        Console.WriteLine();
        Print(new[] { "variant", "mAP50", "mAP50-95", $"mAP50-95 held-out ({heldOut.Samples.Count})", "MB", "size",
            "ms (1 thread, median)", "latency", "ms (2 threads)", "latency 2t", "calibrate+quantize s", "peak MB", "float nodes" }, rows);
        return 0;
    }

    /// <summary>Child: quantizes one variant and prints its timing and peak memory as one JSON line.</summary>
    public static int Child(string[] args)
    {
        var o = Parse(args);
        string variant = Arg(args, "--variant") ?? throw new ArgumentException("--variant is required");
        string input = Arg(args, "--model") ?? throw new ArgumentException("--model is required");
        string output = Arg(args, "--out") ?? throw new ArgumentException("--out is required");
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(input));
        var settings = Settings(o, variant);

        var start = Stopwatch.GetTimestamp();
        IEnumerable<float[]>? images = null;
        if (settings.Quantization.Mode == QuantizationMode.Int8)
        {
            var files = CalibrationImages.Select(Path.Combine(o.Dataset, "images"), settings.CalibrationCount);
            images = CalibrationImages.Letterboxed(files, settings.InputSize is { Kind: InputSizeKind.Fixed } s ? s.Width : 640);
        }
        var result = ModelQuantizer.Quantize(model, settings.Quantization, settings.Calibration, images);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        File.WriteAllBytes(output, result.Model.ToByteArray());
        File.WriteAllText(Path.ChangeExtension(output, ".report.json"),
            JsonSerializer.Serialize(result.Report, new JsonSerializerOptions { WriteIndented = true }));
        var child = new ChildResult(seconds, PeakMegabytes(), result.Report.FloatNodes.Count, result.Report.QuantizedNodes.Values.Sum());
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(child));
        return 0;
    }

    /// <summary>The variant's settings, resolved from text as a profile would give them. A variant may add settings
    /// after its name: "int8-percentile+HeadConvs=int8".</summary>
    private static CompressionSettings Settings(Options o, string variant)
    {
        var extra = variant.Split('+').Skip(1).ToArray();
        variant = variant.Split('+')[0];
        var quantization = variant switch
        {
            "fp16" or "int8-weight-only" => new[] { "Quantization=" + variant },
            _ when variant.StartsWith("int8-", StringComparison.Ordinal) => ["Quantization=int8", "Calibration=" + variant["int8-".Length..]],
            _ => throw new ArgumentException($"Unknown variant '{variant}'; expected one of {string.Join(", ", AllVariants)}."),
        };
        var assignments = new[]
        {
            FormattableString.Invariant($"CalibrationCount={o.CalibrationImages}"), "KeepFloat=" + string.Join(';', o.KeepFloat),
            "ActivationType=" + o.ActivationType, FormattableString.Invariant($"CalibrationPercentile={o.Percentile}"),
        }.Concat(quantization).Concat(extra);
        var origin = DiagnosticOrigin.CommandLine("benchmark");
        return ProfileResolver.Resolve(null, null, assignments.Select(a => ProfileResolver.ParseAssignment(a, origin)).ToArray()).Settings;
    }

    private static ChildResult RunChild(Options o, string variant, string model, string output)
    {
        var args = new List<string> { ChildCommand, "--variant", variant, "--model", model, "--out", output,
            "--weights", o.Weights, "--dataset", o.Dataset, "--calibration-images", o.CalibrationImages.ToString(CultureInfo.InvariantCulture),
            "--activation-type", o.ActivationType, "--percentile", o.Percentile.ToString(CultureInfo.InvariantCulture) };
        foreach (var k in o.KeepFloat) args.AddRange(new[] { "--keep-float", k });
        return JsonSerializer.Deserialize<ChildResult>(ChildRun.Result(args, $"Quantizing {variant}"))!;
    }

    /// <summary>Peak resident memory of this process (VmHWM), in MB; 0 where /proc is unavailable.</summary>
    private static double PeakMegabytes()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { return 0; }
    }

    /// <summary>The first <paramref name="count"/> images of a dataset, as a dataset (symbolic links).</summary>
    private static YoloDataset Subset(YoloDataset dataset, int count, string folder) =>
        count >= dataset.Samples.Count ? dataset : Link(dataset.Samples.Take(count), Path.Combine(folder, $"subset-{count}"));

    /// <summary>Some samples of a dataset, as a dataset of symbolic links under <paramref name="root"/>.</summary>
    private static YoloDataset Link(IEnumerable<YoloSample> samples, string root)
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(Path.Combine(root, "images"));
        Directory.CreateDirectory(Path.Combine(root, "labels"));
        foreach (var s in samples)
        {
            File.CreateSymbolicLink(Path.Combine(root, "images", Path.GetFileName(s.ImagePath)), s.ImagePath);
            if (File.Exists(s.LabelPath))
                File.CreateSymbolicLink(Path.Combine(root, "labels", Path.GetFileName(s.LabelPath)), s.LabelPath);
        }
        return YoloDataset.Load(root);
    }

    private static Options Parse(string[] args)
    {
        string repoShared = Path.GetFullPath(Path.Combine(FindRepoRoot(), "..", "shared", "data"));
        return new Options(
            Arg(args, "--weights") ?? Path.Combine(repoShared, "weights", "yolov5n.pt"),
            Arg(args, "--dataset") ?? Path.Combine(repoShared, "coco128"),
            int.Parse(Arg(args, "--calibration-images") ?? "64", CultureInfo.InvariantCulture),
            int.Parse(Arg(args, "--eval-images") ?? "128", CultureInfo.InvariantCulture),
            (Arg(args, "--variants") ?? string.Join(",", AllVariants)).Split(',', StringSplitOptions.RemoveEmptyEntries),
            int.Parse(Arg(args, "--runs") ?? "30", CultureInfo.InvariantCulture),
            Args(args, "--keep-float"),
            Arg(args, "--out") is { } outDir && args.Contains(ChildCommand) is false ? outDir : Path.Combine(Path.GetTempPath(), "yolocompress-bench-quant"),
            Arg(args, "--activation-type") ?? "uint8",
            double.Parse(Arg(args, "--percentile") ?? "99.999", CultureInfo.InvariantCulture));
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string[] Args(string[] args, string name) =>
        args.Select((a, i) => (a, i)).Where(p => p.a == name && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToArray();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void Print(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |";
        Console.WriteLine(Line(header));
        Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => i == 0 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var r in rows) Console.WriteLine(Line(r));
    }
}
