using System.Text;

namespace YoloCompress.Core.Report;

/// <summary>FLOPs against mAP@0.5:0.95: every geometry <c>InputSize</c> <c>auto</c> evaluated, the chosen one marked
/// and the Pareto front (no other point is both cheaper and more accurate) drawn; without a search, the float model
/// and the compressed one. Every point carries its figures in data attributes.</summary>
internal static class TradeOffSection
{
    internal sealed record Point(string Label, double GigaFlops, double Map50To95, bool Chosen, bool WithinBudget);

    public static string Render(ReportMetadata metadata)
    {
        var points = PointsOf(metadata);
        if (points.Count == 0)
            return Html.Section("trade-off", "Cost against accuracy", NeedsValidation.Note("this chart"));
        var plot = new SvgPlot("trade-off-plot", "GFLOPs against mAP@0.5:0.95", 800, 420,
            (points.Min(p => p.GigaFlops), points.Max(p => p.GigaFlops)), (points.Min(p => p.Map50To95), points.Max(p => p.Map50To95)));
        plot.Axes("GFLOPs", "mAP@0.5:0.95", "0.##", "0.000");
        var front = ParetoFront(points);
        if (front.Count > 1)
            plot.Add($"<polyline class=\"front\" points=\"{string.Join(" ", front.Select(p => $"{SvgPlot.N(plot.PlotX(p.GigaFlops))},{SvgPlot.N(plot.PlotY(p.Map50To95))}"))}\"/>");
        foreach (var p in points)
        {
            var (x, y) = (SvgPlot.N(plot.PlotX(p.GigaFlops)), SvgPlot.N(plot.PlotY(p.Map50To95)));
            var css = p.Chosen ? "point chosen" : p.WithinBudget ? "point" : "point over";
            plot.Add($"<circle class=\"{css}\" cx=\"{x}\" cy=\"{y}\" r=\"{(p.Chosen ? 8 : 5)}\" data-label=\"{Html.Text(p.Label)}\" data-gflops=\"{Html.Exact(p.GigaFlops)}\" data-map50to95=\"{Html.Exact(p.Map50To95)}\" data-front=\"{(front.Contains(p) ? "yes" : "no")}\"><title>{Html.Text(p.Label)}</title></circle>");
            plot.Add($"<text class=\"point-label\" x=\"{x}\" y=\"{SvgPlot.N(plot.PlotY(p.Map50To95) - 11)}\" text-anchor=\"middle\">{Html.Text(p.Label)}</text>");
        }
        var legend = metadata.GeometrySearch is { } search
            ? Html.Paragraph($"{search.Candidates.Count} input geometries compressed and measured; the larger dot is the one kept ({Html.Code(search.Chosen)}), hollow dots broke MaxMapDrop, the line joins the Pareto front.", "note")
            : Html.Paragraph("The float model and the compressed one (InputSize was not auto, so no other geometry was tried).", "note");
        return Html.Section("trade-off", "Cost against accuracy", plot + legend);
    }

    internal static List<Point> PointsOf(ReportMetadata metadata)
    {
        if (metadata.GeometrySearch is { Candidates.Count: > 0 } search)
            return search.Candidates.Select(c => new Point(c.InputSize, c.GigaFlops, c.Map50To95, c.InputSize == search.Chosen, c.WithinBudget)).ToList();
        var (before, after) = (metadata.Metrics?.Before, metadata.Metrics?.After);
        if (before?.Map50To95 is not { } b || after?.Map50To95 is not { } a)
            return [];
        return [new Point("float", before.GigaFlops, b, false, true), new Point("compressed", after.GigaFlops, a, true, true)];
    }

    /// <summary>The points no other point dominates (at most as many FLOPs and at least the accuracy, one strictly),
    /// by FLOPs ascending.</summary>
    internal static List<Point> ParetoFront(IReadOnlyList<Point> points) =>
        points.Where(p => !points.Any(q => q != p && q.GigaFlops <= p.GigaFlops && q.Map50To95 >= p.Map50To95
                && (q.GigaFlops < p.GigaFlops || q.Map50To95 > p.Map50To95)))
            .OrderBy(p => p.GigaFlops).ThenBy(p => p.Map50To95).ToList();
}
