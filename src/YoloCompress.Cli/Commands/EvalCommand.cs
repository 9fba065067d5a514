using System.CommandLine;
using System.Diagnostics;
using YoloCompress.Core.Evaluation;
using YoloCompress.Runtime;

namespace YoloCompress.Cli.Commands;

/// <summary><c>eval MODEL --data DIR</c>: COCO mAP on a YOLO-format labelled set, as the reference validator computes it.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An .onnx model or a .pt checkpoint." };
        var data = new Option<string>("--data") { Description = "A labelled folder: images/ and labels/ (YOLO txt).", Required = true };
        var perClass = new Option<bool>("--per-class") { Description = "Print AP per class." };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: one per core)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("eval", "mAP@0.5 and mAP@0.5:0.95 on a labelled set (conf 0.001, NMS IoU 0.6, multi-label, max 300).")
            { model, data, perClass, threads, json };
        command.SetAction(r => CliRun.Guard(() => Run(r.GetValue(model)!, r.GetValue(data)!, r.GetValue(perClass), r.GetValue(threads), r.GetValue(json))));
        return command;
    }

    private static int Run(string modelPath, string dataDir, bool perClass, int threads, bool asJson)
    {
        var dataset = YoloDataset.Load(dataDir);
        using var detector = new YoloDetector(ModelInput.OnnxBytes(modelPath), new YoloDetectorOptions { IntraOpThreads = threads });
        var clock = Stopwatch.StartNew();
        MapResult result;
        using (var progress = new ConsoleProgress("eval", dataset.Samples.Count))
            result = new MapEvaluator().Evaluate(detector, dataset, progress);
        var seconds = clock.Elapsed.TotalSeconds;
        var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
        if (asJson)
        {
            CliRun.WriteJson(new
            {
                model = modelPath, data = dataDir, result.Images, result.Instances, result.Precision, result.Recall,
                result.Map50, result.Map50To95, perClass = perClass ? result.PerClass : null,
                seconds = Math.Round(seconds, 2), peakMemoryMb = Math.Round(peakMb, 1),
            });
            return 0;
        }
        if (perClass) Console.WriteLine(result.ToTable());
        Console.WriteLine(FormattableString.Invariant(
            $"{result.Images} images, {result.Instances} labels: mAP@0.5 {result.Map50:F4}  mAP@0.5:0.95 {result.Map50To95:F4}  P {result.Precision:F3}  R {result.Recall:F3}  ({seconds:F1} s, peak memory {peakMb:F0} MB)"));
        return 0;
    }
}
