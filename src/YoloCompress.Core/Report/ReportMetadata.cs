using System.Text.Json;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;

namespace YoloCompress.Core.Report;

/// <summary>The parts of NAME.yolo.json the report shows, read back with the names <see cref="CompressionMetadata"/>
/// writes. Every section is optional: a float model has no pruning, a run without <c>InputSize</c> <c>auto</c> no
/// geometry search, a run without a validation set no mAP.</summary>
internal sealed record ReportMetadata
{
    public int SchemaVersion { get; init; }
    public ReportTool? Tool { get; init; }
    public ReportSource? Source { get; init; }
    public ReportInput? Input { get; init; }
    public GeometrySearchResult? GeometrySearch { get; init; }
    public string? Profile { get; init; }
    public Dictionary<string, JsonElement>? Settings { get; init; }
    public ReportCalibration? Calibration { get; init; }
    public ReportPruning? Pruning { get; init; }
    public QuantizationReport? Quantization { get; init; }
    public ReportMetrics? Metrics { get; init; }

    /// <summary>Whether the run measured accuracy: without a validation set mAP is null before and after.</summary>
    public bool HasValidation => Metrics?.Before?.Map50To95 is not null;

    /// <summary>A setting as a number (MaxSize in bytes, MaxMapDrop, MaxLatency in ms); null when unset.</summary>
    public double? NumberSetting(string name) =>
        Settings is not null && Settings.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}

internal sealed record ReportTool(string? Name, string? Version);

internal sealed record ReportSource
{
    public string? File { get; init; }
    public string? Sha256 { get; init; }
    public string? Kind { get; init; }
    public IReadOnlyList<string> ClassNames { get; init; } = [];
}

internal sealed record ReportInput(int Width, int Height, string? Shape, string? Setting);

internal sealed record ReportCalibration
{
    public int Count { get; init; }
    public string? ListSha256 { get; init; }
    public string? ContentSha256 { get; init; }
    public IReadOnlyList<string> Images { get; init; } = [];
}

internal sealed record ReportPruning
{
    public double RemovedFraction { get; init; }
    public IReadOnlyList<PrunedLayer> Layers { get; init; } = [];
}

internal sealed record ReportMetrics(ReportModelMetrics? Before, ReportModelMetrics? After);

internal sealed record ReportModelMetrics
{
    public long FileBytes { get; init; }
    public long Parameters { get; init; }
    public double GigaFlops { get; init; }
    public double? Map50 { get; init; }
    public double? Map50To95 { get; init; }
    public IReadOnlyList<ReportClassAp>? PerClass { get; init; }
}

internal sealed record ReportClassAp(int ClassId, string Name, int Images, int Instances, double Ap50, double Ap50To95);
