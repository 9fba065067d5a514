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
        var d = new DistillationOptions(); // the defaults Recovery distill uses
        string Of(object value) => Convert.ToString(value, C)!;
        var options = d with
        {
            Epochs = int.Parse(Get("epochs", Of(d.Epochs)), C),
            ImageSize = int.Parse(Get("size", Of(d.ImageSize)), C),
            Batch = int.Parse(Get("batch", Of(d.Batch)), C),
            LearningRate = double.Parse(Get("lr", Of(d.LearningRate)), C),
            Optimizer = Get("optimizer", d.Optimizer),
            Seed = int.Parse(Get("seed", Of(d.Seed)), C),
            Threads = threads,
            FeatureWeight = double.Parse(Get("feature-weight", Of(d.FeatureWeight)), C),
            TrainBatchNorm = Get("train-bn", Of(d.TrainBatchNorm).ToLowerInvariant()) == "true",
        };
        var outDir = Path.GetFullPath(Get("out", Path.Combine("artifacts", "benchmarks", "distill")));
        Directory.CreateDirectory(outDir);

        var shared = SharedData();
        var imagesDir = Path.Combine(shared, "coco128", "images", "train2017");
        var all = Directory.GetFiles(imagesDir, "*.jpg").Order(StringComparer.Ordinal).ToList();
        var trainImages = all.Take(train).ToList();
        int evalCount = int.Parse(Get("eval", "1000"), C);
        var evalSet = Subset(shared, all.Skip(train).Take(evalCount).ToList(), $"coco128-from{train}-{evalCount}");

        var sw = Stopwatch.StartNew();
        var teacher = YoloGraphBuilder.Build(CheckpointReader.Read(Path.Combine(shared, "weights", "yolov5n.pt")), 640);
        var pruner = new ChannelPruner(teacher, CalibrationImages.Letterboxed(trainImages, 640), threads);
        var prunedResult = pruner.Prune(new PruneOptions { Ratio = ratio });
        var pruned = new CalibrationRecovery(pruner).Recover(prunedResult, new RecoveryOptions()).Model; // as the pipeline does
        var prunedPath = Path.Combine(outDir, string.Create(C, $"pruned-{ratio}-{train}.onnx"));
        AtomicFile.WriteAllBytes(prunedPath, pruned.ToByteArray());
        var features = Get("features", "true") == "true" ? FeatureMatch.ForConvOutputs(pruned, prunedResult.KeptPositions) : null;
        Console.WriteLine(string.Create(C, $"GFLOPs {ModelCost.Of(teacher).GFlops:0.000} -> {ModelCost.Of(pruned).GFlops:0.000}; {features?.Count ?? 0} feature maps matched"));
        Console.WriteLine(string.Create(C, $"pruned {ratio:P0} uniformly (default criterion, calibration recovery on {train} images) in {sw.Elapsed.TotalSeconds:0} s ({prunedPath})"));
        double teacherMap = Evaluate(teacher, evalSet, threads), before = Evaluate(pruned, evalSet, threads);
        Console.WriteLine(string.Create(C, $"mAP@0.5:0.95 on {evalSet.Samples.Count} held-out images: unpruned {teacherMap:0.0000}, pruned {before:0.0000}"));

        var epochStart = Stopwatch.StartNew();
        var progress = new SynchronousProgress(p =>
        {
            if (p.Step != p.StepsPerEpoch) return;
            Console.WriteLine(string.Create(C, $"epoch {p.Epoch}/{p.Epochs}: loss {p.Loss:0.0000} (box {p.BoxLoss:0.0000} obj {p.ObjectnessLoss:0.0000} cls {p.ClassLoss:0.0000} feat {p.FeatureLoss:0.0000}), " +
                $"{epochStart.Elapsed.TotalSeconds:0.0} s, {p.ImagesPerSecond:0.0} images/s, {p.Remaining.TotalSeconds:0} s left"));
            epochStart.Restart();
        });
        sw.Restart();
        int evalEvery = Get("eval-each-epoch", "false") == "true" ? 1 : int.Parse(Get("eval-every", "0"), C);
        var distilled = GraphDistiller.Distill(pruned, teacher, trainImages, options, progress, configure: null,
            epochEnd: evalEvery > 0 ? (epoch, model) =>
            {
                if (epoch % evalEvery == 0) Console.WriteLine(string.Create(C, $"  after epoch {epoch}: mAP@0.5:0.95 {Evaluate(model, evalSet, threads):0.0000}"));
            } : null,
            features, CancellationToken.None);
        double seconds = sw.Elapsed.TotalSeconds;
        var heldOut = all.Skip(train).Take(16).ToList();
        Console.WriteLine($"held-out loss at {options.ImageSize}: before {HeldOutLoss(pruned, teacher, heldOut, options.ImageSize, features)}");
        Console.WriteLine($"held-out loss at {options.ImageSize}: after  {HeldOutLoss(distilled, teacher, heldOut, options.ImageSize, features)}");
        var trainSample = trainImages.Take(16).ToList();
        Console.WriteLine($"train loss at {options.ImageSize}: before {HeldOutLoss(pruned, teacher, trainSample, options.ImageSize, features)}");
        Console.WriteLine($"train loss at {options.ImageSize}: after  {HeldOutLoss(distilled, teacher, trainSample, options.ImageSize, features)}");
        double after = Evaluate(distilled, evalSet, threads);
        Console.WriteLine(string.Create(C, $"distilled {options.Epochs} epochs at {options.ImageSize}, batch {options.Batch}, lr {options.LearningRate}: {seconds:0} s ({seconds / options.Epochs:0.0} s an epoch)"));
        Console.WriteLine(string.Create(C, $"mAP@0.5:0.95 held out: unpruned {teacherMap:0.0000}, pruned {before:0.0000}, pruned + distilled {after:0.0000}"));
        AtomicFile.WriteAllBytes(Path.Combine(outDir, "distilled.onnx"), BatchNormFolding.Fold(distilled).ToByteArray());
        return 0;
    }

    /// <summary>The distillation loss terms against the teacher on held-out images (no augmentation): whether what
    /// the student learnt on the training images carries over.</summary>
    private static string HeldOutLoss(ModelProto student, ModelProto teacher, IReadOnlyList<string> images, int size, IReadOnlyList<FeatureMatch>? features)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var _ = TorchSharp.torch.no_grad();
        using var t = new GraphModule(teacher);
        using var s = new GraphModule(student);
        var head = DetectHead.Find(teacher);
        var f = features ?? [];
        var letterboxed = CalibrationImages.Letterboxed(images, size).Select(x => TorchSharp.torch.tensor(x, [3, size, size])).ToArray();
        var input = TorchSharp.torch.stack(letterboxed);
        var names = head.Outputs.Concat(f.Select(m => m.Tensor)).ToArray();
        var to = t.Forward(input, names);
        var so = s.Forward(input, names);
        var terms = DistillationLoss.Compute(head.Outputs.Select(o => so[o]).ToList(), head.Outputs.Select(o => to[o]).ToList(), head.Anchors,
            f.Select(m => (so[m.Tensor], m.Select(to[m.Tensor]))).ToList(), 1);
        return string.Create(C, $"box {terms.Box.item<float>():0.0000} obj {terms.Objectness.item<float>():0.0000} cls {terms.Class.item<float>():0.0000} feat {terms.Features.item<float>():0.0000}");
    }

    private static double Evaluate(ModelProto model, YoloDataset dataset, int threads)
    {
        using var detector = new YoloDetector(model.ToByteArray(), new YoloDetectorOptions { IntraOpThreads = threads });
        return new MapEvaluator().Evaluate(detector, dataset).Map50To95;
    }

    /// <summary>These coco128 images and their labels as a dataset of their own, through symbolic links.</summary>
    internal static YoloDataset Subset(string shared, IReadOnlyList<string> images, string name)
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

    internal static string SharedData() => Environment.GetEnvironmentVariable("YOLOCOMPRESS_SHARED_DATA") is { Length: > 0 } env ? env : FindShared();

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
