using YoloCompress.Core.Recovery;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Core.IO;
using YoloCompress.Core.Pruning;
using YoloCompress.Runtime;
using YoloCompress.Torch.Training;

namespace YoloCompress.Torch.Benchmarks;

/// <summary>Prunes yolov5n uniformly with the default criterion and its calibration-only recovery (calibration:
/// the first --train coco128 images by name), distils it from the unpruned model on those same images, and
/// evaluates mAP@0.5:0.95 before and after on the remaining coco128 images (never trained on).</summary>
internal static class DistillBenchmark
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        var o = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
            .ToDictionary(p => p.a[2..], p => args[p.i + 1]);
        string Get(string key, string fallback) => o.GetValueOrDefault(key, fallback);
        double ratio = double.Parse(Get("ratio", "0.25"), C);
        int train = int.Parse(Get("train", "64"), C), threads = int.Parse(Get("threads", "0"), C);
        var options = new DistillationOptions
        {
            Epochs = int.Parse(Get("epochs", "5"), C),
            ImageSize = int.Parse(Get("size", "320"), C),
            Batch = int.Parse(Get("batch", "8"), C),
            LearningRate = double.Parse(Get("lr", "0.001"), C),
            Optimizer = Get("optimizer", "sgd"),
            Seed = int.Parse(Get("seed", "0"), C),
            Threads = threads,
        };
        var outDir = Path.GetFullPath(Get("out", Path.Combine("artifacts", "benchmarks", "distill")));
        Directory.CreateDirectory(outDir);

        var shared = Environment.GetEnvironmentVariable("YOLOCOMPRESS_SHARED_DATA") is { Length: > 0 } env ? env : FindShared();
        var imagesDir = Path.Combine(shared, "coco128", "images", "train2017");
        var all = Directory.GetFiles(imagesDir, "*.jpg").Order(StringComparer.Ordinal).ToList();
        var trainImages = all.Take(train).ToList();
        int evalCount = int.Parse(Get("eval", "1000"), C);
        var evalSet = Subset(shared, all.Skip(train).Take(evalCount).ToList(), $"coco128-from{train}-{evalCount}");

        var sw = Stopwatch.StartNew();
        var teacher = YoloGraphBuilder.Build(CheckpointReader.Read(Path.Combine(shared, "weights", "yolov5n.pt")), 640);
        // Pruning with recovery takes minutes; the result for these settings is kept beside the outputs and reused.
        var prunedPath = Path.Combine(outDir, string.Create(C, $"pruned-{ratio}-{train}.onnx"));
        ModelProto pruned;
        if (File.Exists(prunedPath)) pruned = ModelProto.Parser.ParseFrom(File.ReadAllBytes(prunedPath));
        else
        {
            var pruner = new ChannelPruner(teacher, CalibrationImages.Letterboxed(trainImages, 640), threads);
            var sliced = pruner.Prune(new PruneOptions { Ratio = ratio });
            pruned = new CalibrationRecovery(pruner).Recover(sliced, new RecoveryOptions()).Model; // as the pipeline does
            AtomicFile.WriteAllBytes(prunedPath, pruned.ToByteArray());
        }
        Console.WriteLine(string.Create(C, $"pruned {ratio:P0} uniformly (default criterion, calibration recovery on {train} images) in {sw.Elapsed.TotalSeconds:0} s ({prunedPath})"));
        double teacherMap = Evaluate(teacher, evalSet, threads), before = Evaluate(pruned, evalSet, threads);
        Console.WriteLine(string.Create(C, $"mAP@0.5:0.95 on {evalSet.Samples.Count} held-out images: unpruned {teacherMap:0.0000}, pruned {before:0.0000}"));

        var epochStart = Stopwatch.StartNew();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Step != p.StepsPerEpoch) return;
            Console.WriteLine(string.Create(C, $"epoch {p.Epoch}/{p.Epochs}: loss {p.Loss:0.0000} (box {p.BoxLoss:0.0000} obj {p.ObjectnessLoss:0.0000} cls {p.ClassLoss:0.0000}), " +
                $"{epochStart.Elapsed.TotalSeconds:0.0} s, {p.ImagesPerSecond:0.0} images/s, {p.Remaining.TotalSeconds:0} s left"));
            epochStart.Restart();
        });
        sw.Restart();
        bool evalEachEpoch = Get("eval-each-epoch", "false") == "true";
        var distilled = GraphDistiller.Distill(pruned, teacher, trainImages, options, progress, configure: null,
            epochEnd: evalEachEpoch ? (epoch, model) => Console.WriteLine(string.Create(C, $"  after epoch {epoch}: mAP@0.5:0.95 {Evaluate(model, evalSet, threads):0.0000}")) : null,
            CancellationToken.None);
        double seconds = sw.Elapsed.TotalSeconds;
        double after = Evaluate(distilled, evalSet, threads);
        Console.WriteLine(string.Create(C, $"distilled {options.Epochs} epochs at {options.ImageSize}, batch {options.Batch}, lr {options.LearningRate}: {seconds:0} s ({seconds / options.Epochs:0.0} s an epoch)"));
        Console.WriteLine(string.Create(C, $"mAP@0.5:0.95 held out: unpruned {teacherMap:0.0000}, pruned {before:0.0000}, pruned + distilled {after:0.0000}"));
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "distilled.onnx"), BatchNormFolding.Fold(distilled).ToByteArray());
        return 0;
    }

    private static double Evaluate(ModelProto model, YoloDataset dataset, int threads)
    {
        using var detector = new YoloDetector(model.ToByteArray(), new YoloDetectorOptions { IntraOpThreads = threads });
        return new MapEvaluator().Evaluate(detector, dataset).Map50To95;
    }

    /// <summary>These coco128 images and their labels as a dataset of their own, through symbolic links.</summary>
    private static YoloDataset Subset(string shared, IReadOnlyList<string> images, string name)
    {
        var root = Path.Combine(Path.GetTempPath(), "yolocompress-bench", name);
        var imageDir = Path.Combine(root, "images", "train2017");
        var labelDir = Path.Combine(root, "labels", "train2017");
        Directory.CreateDirectory(imageDir);
        Directory.CreateDirectory(labelDir);
        foreach (var image in images)
        {
            var label = Path.Combine(shared, "coco128", "labels", "train2017", Path.ChangeExtension(Path.GetFileName(image), ".txt"));
            Link(Path.Combine(imageDir, Path.GetFileName(image)), image);
            if (File.Exists(label)) Link(Path.Combine(labelDir, Path.GetFileName(label)), label);
        }
        return YoloDataset.Load(root);
    }

    private static void Link(string link, string target)
    {
        if (!File.Exists(link)) File.CreateSymbolicLink(link, target);
    }

    private static string FindShared()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln"))) dir = dir.Parent;
        return Path.GetFullPath(Path.Combine(dir?.FullName ?? Environment.CurrentDirectory, "..", "shared", "data"));
    }

    private sealed class SynchronousProgress(Action<DistillationProgress> report) : IProgress<DistillationProgress>
    {
        public void Report(DistillationProgress value) => report(value);
    }
}
