using YoloCompress.Core.Patterns;
using System.Diagnostics;
using Google.Protobuf;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Quantization;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>Development aid: collects calibration statistics once, then quantizes and evaluates many
/// configurations ("method|keep,float,patterns|uint8") to find sensitive layers and good defaults.</summary>
internal static class QuantExplore
{
    public static int Run(string[] args)
    {
        string shared = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/data"));
        string weights = Value(args, "--weights") ?? Path.Combine(shared, "weights", "yolov5n.pt");
        string coco = Path.Combine(shared, "coco128");
        int calibration = int.Parse(Value(args, "--calibration-images") ?? "64");
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(weights), 640));
        var dataset = YoloDataset.Load(coco);

        var sw = Stopwatch.StartNew();
        var plan = QdqPlan.Create(model, new QuantizationOptions { KeepDecodeTailFloat = true });
        var extra = model.Graph.Node.Where(n => n.OpType is "Conv" or "Mul" or "Sigmoid" or "Add" or "Concat" or "MaxPool" or "Resize").SelectMany(n => n.Output);
        var tensors = plan.TensorsToCalibrate.Append("images").Concat(extra).Distinct().ToArray();
        var files = CalibrationImages.Select(Path.Combine(coco, "images"), calibration);
        var statistics = ActivationStatistics.Collect(model, tensors, CalibrationImages.Letterboxed(files, 640), 2048);
        Console.WriteLine($"statistics of {tensors.Length} tensors over {files.Count} images in {sw.Elapsed.TotalSeconds:0.0} s");

        if (args.Contains("--ranges"))
        {
            var byMethod = Enum.GetValues<CalibrationMethod>().ToDictionary(m => m, m => statistics.Select(new CalibrationOptions { Method = m }));
            foreach (var t in tensors)
                Console.WriteLine($"{t,-32} " + string.Join("  ", byMethod.Select(p => $"{p.Key.ToSettingName()} {p.Value[t].Selected}")));
        }

        if (args.Contains("--save")) File.WriteAllBytes(Path.Combine(Path.GetTempPath(), "explore-float.onnx"), model.ToByteArray());
        var fidelity = new Fidelity(model.ToByteArray(), CalibrationImages.Letterboxed(CalibrationImages.Select(Path.Combine(coco, "images"), 128).Where((_, i) => i % 8 == 3).ToArray(), 640));
        if (args.Contains("--sensitivity"))
        {
            var ranges = statistics.Select(new CalibrationOptions { Method = BenchmarkData.Parse<CalibrationMethod>(Value(args, "--method") ?? "percentile", CalibrationMethods.ToSettingName) });
            double Score(QuantizationOptions o) => fidelity.Score(QdqQuantizer.Quantize(QdqPlan.Create(model, o), ranges).Model.ToByteArray());
            Console.WriteLine($"all quantized: {Score(new QuantizationOptions()):0.00000}");
            var names = model.Graph.Node.Select(n => n.Name).ToArray();
            var groups = model.Graph.Node.Where(n => n.OpType is "Conv" or "Add" or "Concat").Select(n => n.Name.EndsWith(".conv") ? n.Name[..^5] : n.Name).ToArray();
            foreach (var g in groups)
            {
                var members = names.Where(n => n == g || n.StartsWith(g + ".conv") || n.StartsWith(g + ".act")).ToHashSet();
                var only = new QuantizationOptions
                {
                    KeepFloat = names.Where(n => !members.Contains(n)).Select(n => NodePattern.Parse(n)).ToArray(),
                    QuantizeOutputsReadByFloatOnly = true, FloatStemConvs = 0,
                };
                Console.WriteLine($"only {g,-28} {Score(only):0.00000}");
            }
        }

        foreach (var config in args.Where((a, i) => i > 0 && args[i - 1] == "--config"))
        {
            var parts = config.Split('|');
            var method = parts[0] is "wo" or "fp16" ? CalibrationMethod.MinMax : BenchmarkData.Parse<CalibrationMethod>(parts[0], CalibrationMethods.ToSettingName);
            var keep = parts.Length > 1 && parts[1].Length > 0 ? parts[1].Split(',').Select(p => NodePattern.Parse(p)).ToArray() : Array.Empty<NodePattern>();
            var type = parts.Length > 2 && parts[2].Length > 0 ? BenchmarkData.Parse<ActivationType>(parts[2], ActivationTypes.ToSettingName) : ActivationType.Uint8;
            var flags = parts.Length > 3 ? parts[3].Split(',') : Array.Empty<string>();
            var options = new QuantizationOptions
            {
                KeepFloat = keep, ActivationType = type,
                QuantizeOutputsReadByFloatOnly = flags.Contains("qout"),
                HeadConvs = flags.Contains("headint8") ? HeadConvPrecision.Int8 : HeadConvPrecision.Float,
                FloatStemConvs = flags.FirstOrDefault(f => f.StartsWith("stem")) is { } st ? int.Parse(st[4..]) : 3,
            };
            var source = flags.Contains("quickgelu") ? SiluAsQuickGelu.Rewrite(model).Model : model;
            var p = QdqPlan.Create(source, options);
            var ranges = statistics.Select(new CalibrationOptions { Method = method, Symmetric = type == ActivationType.Int8,
                Percentile = double.Parse(Value(args, "--percentile") ?? "99.999") });
            var result = parts[0] == "wo" ? WeightOnlyQuantizer.Quantize(model, options)
                : parts[0] == "fp16" ? Float16Converter.Convert(model, options)
                : flags.Contains("full") ? QdqQuantizer.Quantize(source, options, CalibrationImages.Letterboxed(files, 640), new CalibrationOptions { Method = method })
                : QdqQuantizer.Quantize(p, ranges);
            var bytes = result.Model.ToByteArray();
            double score = fidelity.Score(bytes);
            if (args.Contains("--save")) File.WriteAllBytes(Path.Combine(Path.GetTempPath(), "explore-" + string.Concat(config.Split(Path.GetInvalidFileNameChars().Append('|').Append('*').ToArray())) + ".onnx"), bytes);

            if (args.Contains("--no-map")) { Console.WriteLine($"{config,-60} fidelity {score:0.00000} bias {fidelity.Bias:+0.0000;-0.0000}"); continue; }
            using var detector = new YoloDetector(bytes, new YoloDetectorOptions { IntraOpThreads = 1 });
            var map = new MapEvaluator().Evaluate(detector, dataset);
            Console.WriteLine($"{config,-60} fidelity {score:0.00000} mAP50 {map.Map50:0.0000} mAP50-95 {map.Map50To95:0.0000} size {bytes.Length / 1e6:0.00} MB");
        }
        return 0;
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
