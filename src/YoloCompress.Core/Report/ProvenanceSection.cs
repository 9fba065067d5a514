using System.Text.Json;

namespace YoloCompress.Core.Report;

/// <summary>Where the model came from and how it was made: the checkpoint and its hash, the input, every setting as
/// resolved, and the calibration set's hashes and images. What an auditor compares with another run.</summary>
internal static class ProvenanceSection
{
    public static string Render(ReportMetadata metadata)
    {
        var source = metadata.Source;
        var calibration = metadata.Calibration;
        var facts = Html.Table("provenance", ["", ""],
        [
            Html.Cell("checkpoint") + Html.Cell(source?.File),
            Html.Cell("checkpoint sha256") + Html.ValueCell("source-sha256", source?.Sha256 ?? "", source?.Sha256 ?? "", "hash"),
            Html.Cell("kind") + Html.Cell(source?.Kind),
            Html.Cell("classes") + Html.Cell(source is null ? "" : $"{source.ClassNames.Count}: {string.Join(", ", source.ClassNames.Take(12))}{(source.ClassNames.Count > 12 ? ", ..." : "")}"),
            Html.Cell("input") + Html.Cell(metadata.Input is { } i ? $"{i.Width}x{i.Height}, {i.Shape} ({i.Setting})" : ""),
            Html.Cell("profile") + Html.Cell(metadata.Profile),
            Html.Cell("tool") + Html.Cell($"{metadata.Tool?.Name} {metadata.Tool?.Version}"),
            Html.Cell("calibration images") + Html.Cell(calibration is null ? "none" : Html.Exact(calibration.Count)),
            Html.Cell("calibration list sha256") + Html.ValueCell("calibration-listSha256", calibration?.ListSha256 ?? "", calibration?.ListSha256 ?? "", "hash"),
            Html.Cell("calibration content sha256") + Html.ValueCell("calibration-contentSha256", calibration?.ContentSha256 ?? "", calibration?.ContentSha256 ?? "", "hash"),
        ]);
        var images = calibration is { Images.Count: > 0 }
            ? Html.Paragraph("Calibration images: " + Html.Text(string.Join(", ", calibration.Images)), "note name")
            : "";
        var settings = metadata.Settings is null ? "" : Html.Table("settings", ["setting", "value"],
            metadata.Settings.OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => Html.Cell(s.Key) + Html.ValueCell($"setting-{s.Key}", Display(s.Value), Display(s.Value))));
        return Html.Section("provenance", "Source, settings and calibration", facts + images + "<h3>Settings as resolved</h3>\n" + settings);
    }

    private static string Display(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "(none)",
        JsonValueKind.String => value.GetString() ?? "",
        _ => value.GetRawText(),
    };
}
