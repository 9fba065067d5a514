using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Runtime;
using Google.Protobuf;

namespace YoloCompress.Benchmarks;

/// <summary>Where the shared data is, and the small pieces every benchmark needs: build a model, evaluate it.</summary>
internal static class BenchmarkData
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ChannelPruner, CalibrationRecovery> Recoveries = new();

    /// <summary>Prune, then recover as the pipeline does (null: no recovery); one recovery per pruner, so its
    /// covariances and BN targets are collected once per benchmark run.</summary>
    public static PruneResult PruneAndRecover(ChannelPruner pruner, PruneOptions prune, RecoveryOptions? recovery = null)
    {
        var pruned = pruner.Prune(prune);
        if (recovery is null) return pruned;
        var recovered = Recoveries.GetValue(pruner, p => new CalibrationRecovery(p)).Recover(pruned, recovery);
        return pruned.With(recovered.Model, recovered.Notes);
    }

    /// <summary>A PruneCriterion setting value.</summary>
    public static PruneCriterion Criterion(string name) => Parse<PruneCriterion>(name, PruneSettingNames.ToSettingName);

    /// <summary>An enum from its setting name.</summary>
    public static T Parse<T>(string name, Func<T, string> settingName) where T : struct, Enum =>
        Enum.GetValues<T>().FirstOrDefault(v => settingName(v) == name) is var value && settingName(value) == name
            ? value : throw new ArgumentException($"'{name}' is not one of {string.Join(", ", Enum.GetValues<T>().Select(settingName))}");

    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("YOLOCOMPRESS_SHARED_DATA") is { Length: > 0 } env ? env : FindShared();

    public static string Weights(string file) => Path.Combine(Shared, "weights", file);

    public static string Coco128 => Path.Combine(Shared, "coco128");

    public static string Coco128Images => Path.Combine(Coco128, "images", "train2017");

    public static ModelProto BuildWorkingGraph(string checkpoint, int inputSize) =>
        YoloGraphBuilder.Build(CheckpointReader.Read(checkpoint), inputSize);

    /// <summary>The first <paramref name="count"/> images of coco128 (sorted by name) as a dataset of their own,
    /// through symbolic links in a temporary folder.</summary>
    public static YoloDataset Coco128Subset(int count) => Coco128Range(0, count);

    /// <summary>coco128's images <paramref name="skip"/> to <paramref name="skip"/> + <paramref name="count"/> - 1
    /// (sorted by name) as a dataset of their own, through symbolic links in a temporary folder.</summary>
    public static YoloDataset Coco128Range(int skip, int count)
    {
        var full = YoloDataset.Load(Coco128);
        if (skip == 0 && count >= full.Samples.Count) return full;
        var root = Path.Combine(Path.GetTempPath(), "yolocompress-bench", skip == 0 ? $"coco128-first{count}" : $"coco128-{skip}-{skip + count - 1}");
        var images = Path.Combine(root, "images", "train2017");
        var labels = Path.Combine(root, "labels", "train2017");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(labels);
        foreach (var sample in full.Samples.Skip(skip).Take(count))
        {
            Link(Path.Combine(images, Path.GetFileName(sample.ImagePath)), sample.ImagePath);
            if (File.Exists(sample.LabelPath)) Link(Path.Combine(labels, Path.GetFileName(sample.LabelPath)), sample.LabelPath);
        }
        return YoloDataset.Load(root);
    }

    /// <summary>mAP of an in-memory model on a dataset.</summary>
    public static MapResult Evaluate(ModelProto model, YoloDataset dataset, int threads)
    {
        using var detector = new YoloDetector(model.ToByteArray(), new YoloDetectorOptions { IntraOpThreads = threads });
        return new MapEvaluator().Evaluate(detector, dataset);
    }

    private static void Link(string link, string target)
    {
        if (!File.Exists(link)) File.CreateSymbolicLink(link, target);
    }

    private static DirectoryInfo? Above(string start)
    {
        var dir = new DirectoryInfo(start);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln"))) dir = dir.Parent;
        return dir;
    }

    private static string FindShared()
    {
        // From the build output (dotnet run) or, for a copied build, from the working directory.
        var dir = Above(AppContext.BaseDirectory) ?? Above(Environment.CurrentDirectory);
        if (dir is null) throw new InvalidOperationException("Cannot find the repository root; set YOLOCOMPRESS_SHARED_DATA.");
        return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data"));
    }
}
