using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Initialization;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Recovery;

namespace YoloCompress.Benchmarks;

/// <summary>How the pipeline scales with the model: for each size, a random checkpoint from <c>init</c> goes
/// through the stages of the <c>pruned-int8</c> profile (export, prune with its channel statistics, recover,
/// calibrate, quantize), each timed with its peak working set. Every size runs in a child process of its own, so
/// that one size's memory never shows in another's. Then float and int8 latency, interleaved in one process.
/// <c>-- scale [--sizes yolov5n,yolov5s,...] [--images 64] [--calib DIR] [--runs 5] [--out DIR]</c>.</summary>
internal static class ScaleBenchmark
{
    public const string ChildCommand = "scale-one";
    private static readonly string[] Stages = { "export", "prune", "recover", "calibrate", "quantize" };

    public static int Run(string[] args)
    {
        var o = Options.Parse(args);
        var sizes = o.String("sizes", "yolov5n,yolov5s,yolov5m,yolov5l,yolov5x,yolov5s6").Split(',');
        var imageCounts = o.String("images", "64").Split(',').Select(int.Parse).ToArray();
        var output = o.String("out", Path.Combine(Path.GetTempPath(), "yolocompress-bench-scale"));
        Directory.CreateDirectory(output);
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1 << 30)} GiB; profile pruned-int8; outputs in {output}");
        int runs = o.Int("runs", 5);
        Console.WriteLine($"latency: median of {runs} round-robin runs of the float and the int8 model, at 1 and 2 threads");
        Console.WriteLine($"{"model",-9} {"input",5} {"images",6} {"params",7} {"GFLOPs",7} | " + string.Join(" | ", Stages.Select(s => $"{s,-16}"))
                          + " | total s | float / int8 ms, 1 thread | 2 threads");
        var rows = new List<string[]>();
        foreach (var size in sizes)
            foreach (var images in imageCounts)
            {
                var row = RunChild(size, images, o, output);
                rows.Add(row);
                var models = new[] { "float", "int8" }.Select(k => File.ReadAllBytes(Path.Combine(output, $"{size}-{images}-{k}.onnx"))).ToArray();
                var latency = new[] { 1, 2 }.Select(threads => InterleavedLatency.Measure(models, threads, runs, warmup: 1))
                    .Select(m => $"{m[0],6:0.0} / {m[1],6:0.0} ({m[1] / m[0]:0.00}x)").ToArray();
                var stageCells = Stages.Select((_, i) => $"{row[5 + 2 * i],6} s {row[6 + 2 * i],5} MB");
                Console.WriteLine($"{row[0],-9} {row[1],5} {row[2],6} {row[3],7} {row[4],7} | {string.Join(" | ", stageCells)} | {row[15],7} | {latency[0]} | {latency[1]}");
            }
        var csv = Path.Combine(output, "scale.csv");
        File.WriteAllLines(csv, new[] { "model,input,images,mparams,gflops," + string.Join(",", Stages.SelectMany(s => new[] { s + "_s", s + "_mb" })) + ",total_s" }
            .Concat(rows.Select(r => string.Join(",", r))));
        Plot(rows, Path.Combine(output, "scale.png"));
        Console.WriteLine($"wrote {csv} and scale.png");
        return 0;
    }

    private static string[] RunChild(string size, int images, Options o, string output) =>
        ChildRun.Result(new[] { ChildCommand, "--size", size, "--images", images.ToString(CultureInfo.InvariantCulture),
            "--calib", o.String("calib", BenchmarkData.Coco128Images), "--out", output }, $"{size} with {images} images").Split(',');

    /// <summary>One size, one image count: prints "RESULT model,input,images,Mparams,GFLOPs,(s,MB) per stage,total".</summary>
    public static int Child(string[] args)
    {
        var o = Options.Parse(args);
        var size = o.String("size", "yolov5n");
        int images = o.Int("images", 64);
        var output = o.String("out", Path.GetTempPath());
        var checkpoint = Path.Combine(output, size + ".pt");
        if (!File.Exists(checkpoint)) CheckpointInitializer.Write(size, checkpoint);
        var settings = ProfileResolver.Resolve(BuiltInProfiles.PrunedInt8).Settings;
        var files = CalibrationImages.First(o.String("calib", ""), images);
        using var meter = new StageMeter();
        var total = Stopwatch.StartNew();

        var source = meter.Stage("export", () => ModelSource.Load(checkpoint, settings.InputSize));
        var calibration = CalibrationImages.Letterboxed(files, source.Geometry);
        var floatModel = source.Folded();
        var (pruner, pruned) = meter.Stage("prune", () =>
        {
            var p = new ChannelPruner(source.WorkingGraph, calibration);
            return (p, p.Prune(settings.Pruning));
        });
        var recovered = meter.Stage("recover", () => new CalibrationRecovery(pruner).Recover(pruned, settings.Recovery));
        var folded = BatchNormFolding.Fold(recovered.Model);
        var quantization = settings.Quantization;
        var plan = QdqPlan.Create(folded, quantization);
        var calibrationOptions = ModelQuantizer.CalibrationFor(quantization, settings.Calibration);
        var ranges = meter.Stage("calibrate", () => ActivationCalibrator.Calibrate(folded, plan.TensorsToCalibrate, calibration, calibrationOptions));
        var quantized = meter.Stage("quantize", () => OnnxSerializer.Serialize(QdqQuantizer.Quantize(plan, ranges).Model));
        total.Stop();

        File.WriteAllBytes(Path.Combine(output, $"{size}-{images}-float.onnx"), floatModel.ToByteArray());
        File.WriteAllBytes(Path.Combine(output, $"{size}-{images}-int8.onnx"), quantized);
        var stats = ModelStatistics.Compute(floatModel);
        var cells = new List<string> { size, source.Geometry.ToString(), images.ToString(CultureInfo.InvariantCulture),
            (stats.Parameters / 1e6).ToString("0.0", CultureInfo.InvariantCulture), stats.GigaFlops.ToString("0.0", CultureInfo.InvariantCulture) };
        foreach (var stage in Stages)
        {
            var (seconds, peak) = meter.Results[stage];
            cells.Add(seconds.ToString("0.0", CultureInfo.InvariantCulture));
            cells.Add((peak / 1e6).ToString("0", CultureInfo.InvariantCulture));
        }
        cells.Add(total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture));
        Console.WriteLine("RESULT " + string.Join(",", cells));
        return 0;
    }

    private static void Plot(List<string[]> rows, string path)
    {
        var plot = ChildRun.NewPlot();
        double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        var work = rows.Select(r => D(r[4]) * D(r[2])).ToArray();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < Stages.Length; i++)
        {
            var points = plot.Add.Scatter(work, rows.Select(r => D(r[5 + 2 * i])).ToArray());
            points.LegendText = Stages[i];
            points.Color = palette.GetColor(i);
            points.LineWidth = 0;
            points.MarkerSize = 9;
        }
        plot.Title("pruned-int8 stages against GFLOPs x calibration images (random checkpoints from init)");
        plot.XLabel("GFLOPs x images");
        plot.YLabel("seconds");
        plot.Axes.SetLimitsX(0, work.Max() * 1.05);
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(path, 1100, 650);
    }
}
