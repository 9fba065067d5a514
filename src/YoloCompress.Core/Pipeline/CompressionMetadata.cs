using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using YoloCompress.Core.IO;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;

namespace YoloCompress.Core.Pipeline;

/// <summary>Writes NAME.yolo.json: everything a consumer or an auditor needs to know about a
/// compressed model. Only deterministic facts go in (no timings, no absolute paths, no dates), so
/// the same inputs and settings give the same bytes. The layout is documented in README.md.</summary>
public static class CompressionMetadata
{
    /// <summary>Bumped whenever a field changes meaning or is removed; added fields keep the version.</summary>
    public const int SchemaVersion = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    internal static string Create(CompressionRequest request, ModelSource source, QuantizationReport quantization,
        PruneResult? pruning, ModelMetrics before, ModelMetrics after, GeometrySearchResult? geometrySearch)
    {
        var geometry = source.Geometry;
        var names = source.Checkpoint?.Names ?? Array.Empty<string>();
        var architecture = source.Checkpoint?.Architecture;
        var document = new
        {
            schemaVersion = SchemaVersion,
            tool = new { name = "YoloCompress", version = ToolVersion.Text },
            source = new
            {
                file = Path.GetFileName(request.ModelPath),
                sha256 = FileDigest.Sha256Hex(request.ModelPath),
                kind = source.IsCheckpoint ? "ultralytics-checkpoint" : "onnx",
                architecture = architecture is null ? null : new
                {
                    classes = architecture.ClassCount,
                    depthMultiple = architecture.DepthMultiple,
                    widthMultiple = architecture.WidthMultiple,
                    layers = architecture.Layers.Count,
                },
                classNames = names,
                inputSize = geometry.Width,
            },
            // The emitted model's input: width x height (per-image: the largest, its long side).
            input = new
            {
                width = geometry.Width,
                height = geometry.Height,
                shape = geometry.IsPerImage ? "per-image" : "fixed",
                stride = geometry.IsPerImage ? geometry.Stride : (int?)null,
                setting = geometry.ToString(),
            },
            geometrySearch = geometrySearch is null ? null : new
            {
                chosen = geometrySearch.Chosen,
                candidates = geometrySearch.Candidates,
            },
            profile = request.ProfileName,
            settings = JsonDocument.Parse(CanonicalSettingsJson.Write(request.Settings)).RootElement,
            calibration = new
            {
                count = request.CalibrationImages.Count,
                listSha256 = Sha256OfText(string.Join("\n", request.CalibrationImages.Select(Path.GetFileName))),
                contentSha256 = Sha256OfFiles(request.CalibrationImages),
                images = request.CalibrationImages.Select(Path.GetFileName).ToArray(),
            },
            pruning = pruning is null ? null : new
            {
                removedFraction = Math.Round(pruning.RemovedFraction, 6),
                layers = pruning.Layers,
                notes = pruning.Notes,
            },
            quantization,
            metrics = new { before = Deterministic(before), after = Deterministic(after) },
        };
        return JsonSerializer.Serialize(document, Options) + "\n";
    }

    /// <summary>Latency is measured on a noisy machine: it goes to the console and the build summary,
    /// never into a file that must be byte-identical from run to run.</summary>
    private static object Deterministic(ModelMetrics m) => new
    {
        fileBytes = m.FileBytes,
        parameters = m.Parameters,
        gigaFlops = Math.Round(m.GigaFlops, 4),
        map50 = m.Map50 is { } a ? Math.Round(a, 5) : (double?)null,
        map50To95 = m.Map50To95 is { } b ? Math.Round(b, 5) : (double?)null,
        perClass = m.PerClass?.Select(c => new
        {
            classId = c.ClassId,
            name = c.Name,
            images = c.Images,
            instances = c.Instances,
            ap50 = Math.Round(c.Ap50, 5),
            ap50To95 = Math.Round(c.Ap50To95, 5),
        }).ToArray(),
    };

    private static string Sha256OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Sha256OfFiles(IReadOnlyList<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
