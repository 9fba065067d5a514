using System.Text.Json;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;

namespace YoloCompress.Core.Report;

/// <summary>Finds and reads the NAME.yolo.json files a report is built from. Only the schema version this tool
/// writes is read: a page drawn from fields whose meaning changed would show wrong figures without saying so.</summary>
internal static class ReportMetadataFile
{
    public const string Suffix = ".yolo.json";

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Every NAME.yolo.json directly in <paramref name="directory"/>, in ordinal order; YC0033 when there is none.</summary>
    public static IReadOnlyList<string> Find(string directory)
    {
        var files = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*" + Suffix).Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
            throw new YoloCompressException(DiagnosticCatalog.ReportMetadataMissing,
                $"{directory} has no NAME{Suffix} to build the report from; give the folder `compress -o` wrote (or the build's obj/.../yolocompress/)",
                new DiagnosticOrigin(Path.GetFullPath(directory), "report"));
        return files;
    }

    /// <summary>The metadata in <paramref name="path"/>; YC0033 when it is not JSON, YC0034 when its schemaVersion is another one.</summary>
    public static ReportMetadata Read(string path)
    {
        var origin = new DiagnosticOrigin(Path.GetFullPath(path), "report");
        ReportMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<ReportMetadata>(File.ReadAllBytes(path), Options);
        }
        catch (JsonException e)
        {
            throw new YoloCompressException(DiagnosticCatalog.ReportMetadataMissing, $"{path} is not a NAME{Suffix} this tool wrote: {e.Message}", origin, e);
        }
        if (metadata is null || metadata.SchemaVersion != CompressionMetadata.SchemaVersion)
            throw new YoloCompressException(DiagnosticCatalog.ReportSchemaMismatch,
                $"{path} has schemaVersion {metadata?.SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}, but this tool reads version {CompressionMetadata.SchemaVersion}; compress again, or use the YoloCompress version that wrote it",
                origin);
        return metadata;
    }

    /// <summary>NAME.report.html beside NAME.yolo.json.</summary>
    public static string PagePath(string metadataPath) =>
        metadataPath.EndsWith(Suffix, StringComparison.Ordinal)
            ? metadataPath[..^Suffix.Length] + ".report.html"
            : Path.ChangeExtension(metadataPath, ".report.html");
}
