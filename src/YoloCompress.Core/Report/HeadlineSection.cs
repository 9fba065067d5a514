using YoloCompress.Core.Budgets;

namespace YoloCompress.Core.Report;

/// <summary>The first thing on the page: each figure before and after, and each budget with whether it held.
/// Cells carry the exact .yolo.json figure in data-value (ids <c>before-map50</c>, <c>after-fileBytes</c>...).</summary>
internal static class HeadlineSection
{
    public static string Render(ReportMetadata metadata, MeasuredLatency? latency)
    {
        var before = metadata.Metrics?.Before;
        var after = metadata.Metrics?.After;
        if (before is null || after is null)
            return Html.Section("headline", "Before and after", Html.Paragraph("NAME.yolo.json has no metrics."));
        var rows = new List<string>
        {
            Row("fileBytes", "file size", before.FileBytes, after.FileBytes, v => BudgetCheck.FormatSize((long)v)),
            Row("parameters", "parameters", before.Parameters, after.Parameters, v => Html.Number(v, "#,0")),
            Row("gigaFlops", "GFLOPs", before.GigaFlops, after.GigaFlops, v => Html.Number(v, "0.00")),
            Row("map50", "mAP@0.5", before.Map50, after.Map50, v => Html.Number(v, "0.0000")),
            Row("map50To95", "mAP@0.5:0.95", before.Map50To95, after.Map50To95, v => Html.Number(v, "0.0000")),
            Row("latencyMs", "latency, 1 thread (ms)", latency?.BeforeMs, latency?.AfterMs, v => Html.Number(v, "0.0")),
        };
        var table = Html.Table("headline-table", ["", "before", "after", "after / before"], rows);
        var notes = latency is null
            ? Html.Paragraph("Latency is not in NAME.yolo.json (a timing is not reproducible); measure it with " + Html.Code("dotnet yolo-compress bench MODEL.onnx") + ".", "note")
            : latency.Value.Ratio is { } ratio
                ? Html.Paragraph("Latency: the two models timed round by round once both existed, one thread; after / before " + Html.Code(ratio)
                    + " (the median and the 10th-90th percentile of the per-round ratios), so machine load falls on both alike.", "note")
                : "";
        return Html.Section("headline", "Before and after", table + notes + Budgets(metadata, before, after, latency));
    }

    private static string Row(string key, string label, double? before, double? after, Func<double, string> format) =>
        Html.Cell(label)
        + Figure($"before-{key}", before, format)
        + Figure($"after-{key}", after, format)
        + (before is > 0 && after is { } a ? Html.Cell(Html.Number(a / before.Value, "0.00") + "x") : Html.Cell(""));

    private static string Figure(string id, double? value, Func<double, string> format) =>
        value is { } v ? Html.ValueCell(id, Html.Exact(v), format(v)) : $"<td id=\"{id}\" class=\"missing\">n/a</td>";

    private static string Budgets(ReportMetadata metadata, ReportModelMetrics before, ReportModelMetrics after, MeasuredLatency? latency)
    {
        var rows = new List<string>();
        if (metadata.NumberSetting("MaxSize") is { } maxSize)
            rows.Add(Budget("MaxSize", BudgetCheck.FormatSize((long)maxSize), BudgetCheck.FormatSize(after.FileBytes), after.FileBytes <= maxSize));
        if (metadata.NumberSetting("MaxMapDrop") is { } maxDrop)
            rows.Add(before.Map50To95 is { } b && after.Map50To95 is { } a
                ? Budget("MaxMapDrop", Html.Number(maxDrop, "0.####"), b >= a ? "drop " + Html.Number(b - a, "0.0000") : "gain " + Html.Number(a - b, "0.0000"), b - a <= maxDrop)
                : Budget("MaxMapDrop", Html.Number(maxDrop, "0.####"), "not measured: needs a validation set", null));
        if (metadata.NumberSetting("MaxLatency") is { } maxLatency)
            rows.Add(latency?.AfterMs is { } ms
                ? Budget("MaxLatency", Html.Number(maxLatency, "0.#") + " ms", Html.Number(ms, "0.0") + " ms (warning only)", ms <= maxLatency)
                : Budget("MaxLatency", Html.Number(maxLatency, "0.#") + " ms", "not measured here: run dotnet yolo-compress bench", null));
        if (rows.Count == 0)
            return Html.Paragraph("No budget was set (MaxSize, MaxMapDrop, MaxLatency).", "note");
        return Html.Table("budgets", ["budget", "limit", "this model", "held"], rows);
    }

    private static string Budget(string name, string limit, string actual, bool? held) =>
        Html.Cell(name) + Html.Cell(limit) + Html.Cell(actual)
        + $"<td id=\"budget-{name}\" data-held=\"{(held is { } h ? h ? "yes" : "no" : "unknown")}\" class=\"{(held is { } k ? k ? "held" : "broken" : "missing")}\">{(held is { } x ? x ? "held" : "broken" : "not checked")}</td>";
}
