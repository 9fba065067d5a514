using YoloCompress.Core.Profiles;

namespace YoloCompress.Core.Pipeline;

/// <summary>One compression run: what to compress, with what, into where.</summary>
/// <param name="ModelPath">An ultralytics .pt checkpoint or an .onnx model exported by the reference tool.</param>
/// <param name="CalibrationImages">Image files used for calibration and recovery, already chosen and ordered.</param>
/// <param name="ValidationSet">A labelled folder (images/ + labels/) for mAP before and after; null to skip accuracy.</param>
/// <param name="Settings">The resolved settings.</param>
/// <param name="ProfileName">The profile the settings were resolved from, for the report and metadata.</param>
/// <param name="OutputDirectory">Where NAME.onnx and NAME.yolo.json are written (atomically).</param>
/// <param name="OutputName">NAME: the base file name of the outputs.</param>
public sealed record CompressionRequest(
    string ModelPath,
    IReadOnlyList<string> CalibrationImages,
    string? ValidationSet,
    CompressionSettings Settings,
    string ProfileName,
    string OutputDirectory,
    string OutputName);

/// <summary>Size, accuracy and speed of one model, measured the same way before and after.</summary>
public sealed record ModelMetrics(
    long FileBytes,
    long Parameters,
    double GigaFlops,
    double? Map50,
    double? Map50To95,
    double? LatencyMs)
{
    /// <summary>AP of each class on the validation set (null without one): the report's per-class table. Left out of the
    /// command's --json summary (.yolo.json has it), where one line per class would drown the figures a script reads.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<Evaluation.ClassAccuracy>? PerClass { get; init; }
}

/// <summary>What a run produced.</summary>
public sealed record CompressionOutcome(
    string OnnxPath,
    string MetadataPath,
    ModelMetrics Before,
    ModelMetrics After)
{
    /// <summary>With <c>InputSize</c> <c>auto</c>: every geometry tried and the one chosen; otherwise null.</summary>
    public GeometrySearchResult? Geometry { get; init; }

    /// <summary>The float and the compressed model timed round by round (one thread); null when the cache answered.</summary>
    public YoloCompress.Runtime.LatencyComparison? Latency { get; init; }
}
