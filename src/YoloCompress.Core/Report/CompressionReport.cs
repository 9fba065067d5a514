using System.Text;
using YoloCompress.Core.IO;

namespace YoloCompress.Core.Report;

/// <summary>NAME.report.html: the page a person reads about one compressed model, built from its NAME.yolo.json
/// alone (plus the latency the compress run measured, when it passes it). One self-contained file: inline CSS and
/// SVG, no script, nothing fetched, so it opens offline, prints, and can be attached to a review. The same
/// NAME.yolo.json (and latency) gives the same bytes: no dates, no absolute paths, invariant numbers.</summary>
public static class CompressionReport
{
    /// <summary>Writes NAME.report.html beside <paramref name="metadataPath"/> (atomically) and returns its path;
    /// YC0033 or YC0034 when the metadata cannot be read.</summary>
    public static string Write(string metadataPath, MeasuredLatency? latency = null, IReadOnlyList<DisagreementImage>? disagreements = null)
    {
        var page = ReportMetadataFile.PagePath(metadataPath);
        AtomicFile.WriteAllText(page, Render(metadataPath, latency, disagreements));
        return page;
    }

    /// <summary>Every NAME.yolo.json in <paramref name="directory"/>, in ordinal order; YC0033 when there is none.</summary>
    public static IReadOnlyList<string> Find(string directory) => ReportMetadataFile.Find(directory);

    /// <summary>Rebuilds the page of every NAME.yolo.json in <paramref name="directory"/> (no latency, which only the
    /// compress run measured); YC0033 when there is none.</summary>
    public static IReadOnlyList<string> WriteAll(string directory) =>
        Find(directory).Select(m => Write(m)).ToArray();

    /// <summary>The page's HTML for the metadata in <paramref name="metadataPath"/>.</summary>
    public static string Render(string metadataPath, MeasuredLatency? latency = null, IReadOnlyList<DisagreementImage>? disagreements = null) =>
        Render(ReportMetadataFile.Read(metadataPath), NameOf(metadataPath), latency, disagreements);

    internal static string Render(ReportMetadata metadata, string name, MeasuredLatency? latency, IReadOnlyList<DisagreementImage>? disagreements = null)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append($"<title>{Html.Text(name)}: compression report</title>\n<style>\n{ReportStyle.Css}\n</style>\n</head>\n<body>\n")
            .Append($"<h1>{Html.Text(name)}</h1>\n")
            .Append(Html.Paragraph($"{Html.Text(metadata.Source?.File)}, profile {Html.Code(metadata.Profile ?? "?")}, "
                + $"{Html.Text(metadata.Quantization?.Mode ?? "float")}{(metadata.Pruning is null ? "" : ", pruned")}; built from {Html.Code(name + ReportMetadataFile.Suffix)} by {Html.Text(metadata.Tool?.Name)} {Html.Text(metadata.Tool?.Version)}", "subtitle"))
            .Append(HeadlineSection.Render(metadata, latency));
        if (!metadata.HasValidation)
            html.Append(NeedsValidation.Summary());
        html.Append(TradeOffSection.Render(metadata))
            .Append(PruningSection.Render(metadata))
            .Append(QuantizationSection.Render(metadata))
            .Append(PerClassSection.Render(metadata))
            .Append(DisagreementSection.Render(disagreements))
            .Append(ProvenanceSection.Render(metadata))
            .Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string NameOf(string metadataPath)
    {
        var file = Path.GetFileName(metadataPath);
        return file.EndsWith(ReportMetadataFile.Suffix, StringComparison.Ordinal) ? file[..^ReportMetadataFile.Suffix.Length] : file;
    }
}
