namespace YoloCompress.Core.Report;

/// <summary>AP of each class before and after, the classes that lost the most first; without a validation set,
/// a note saying how to give one.</summary>
internal static class PerClassSection
{
    private const string Title = "AP per class";

    public static string Render(ReportMetadata metadata)
    {
        var before = metadata.Metrics?.Before?.PerClass;
        var after = metadata.Metrics?.After?.PerClass?.ToDictionary(c => c.ClassId);
        if (!metadata.HasValidation)
            return Html.Section("per-class", Title, NeedsValidation.Note("AP per class"));
        if (before is null || after is null)
            return Html.Section("per-class", Title, Html.Paragraph("This NAME.yolo.json was written before AP per class was recorded; compress again to see it.", "note"));
        var rows = before.Where(b => after.ContainsKey(b.ClassId))
            .Select(b => (Before: b, After: after[b.ClassId]))
            .OrderByDescending(p => p.Before.Ap50To95 - p.After.Ap50To95).ThenBy(p => p.Before.ClassId)
            .Select(p => Html.Cell(p.Before.Name, "name")
                + Html.Cell(Html.Exact(p.Before.Instances))
                + Html.ValueCell($"class-{p.Before.ClassId}-before", Html.Exact(p.Before.Ap50To95), Html.Number(p.Before.Ap50To95, "0.000"))
                + Html.ValueCell($"class-{p.Before.ClassId}-after", Html.Exact(p.After.Ap50To95), Html.Number(p.After.Ap50To95, "0.000"))
                + Html.Cell(Html.Number(p.After.Ap50To95 - p.Before.Ap50To95, "+0.000;-0.000;0.000"), p.After.Ap50To95 < p.Before.Ap50To95 ? "broken" : null)
                + Html.Cell(Html.Number(p.Before.Ap50, "0.000") + " -> " + Html.Number(p.After.Ap50, "0.000")));
        return Html.Section("per-class", Title,
            Html.Table("per-class-table", ["class", "labels", "AP@0.5:0.95 before", "after", "change", "AP@0.5"], rows));
    }
}
