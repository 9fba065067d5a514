using System.Text.Json;
using System.Text.Json.Serialization;
using YoloCompress.Core.IO;
using YoloCompress.Core.Pipeline;

namespace YoloCompress.Core.Caching;

/// <summary>The outcome of a compression as stored beside its outputs (outcome.json), so a cache
/// hit can check budgets and print the summary without compressing. File names are relative to
/// the folder the record sits in.</summary>
public sealed record OutcomeRecord(string OnnxFile, string MetadataFile, ModelMetrics Before, ModelMetrics After)
{
    public const string FileName = "outcome.json";

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static OutcomeRecord From(CompressionOutcome outcome) =>
        new(Path.GetFileName(outcome.OnnxPath), Path.GetFileName(outcome.MetadataPath), outcome.Before, outcome.After);

    public CompressionOutcome ToOutcome(string directory) =>
        new(Path.Combine(directory, OnnxFile), Path.Combine(directory, MetadataFile), Before, After);

    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Options));

    /// <summary>The record in <paramref name="directory"/> when it and both files it names exist; null otherwise.</summary>
    public static OutcomeRecord? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        try
        {
            var record = JsonSerializer.Deserialize<OutcomeRecord>(File.ReadAllBytes(path), Options);
            return record is not null
                && File.Exists(Path.Combine(directory, record.OnnxFile))
                && File.Exists(Path.Combine(directory, record.MetadataFile))
                ? record
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
