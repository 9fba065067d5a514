namespace YoloCompress.Core.Report;

/// <summary>The network's width before and after pruning: one bar per channel group in graph order, the
/// original width light and the kept width dark over it. Only drawn when pruning ran.</summary>
internal static class PruningSection
{
    public static string Render(ReportMetadata metadata)
    {
        if (metadata.Pruning is not { Layers.Count: > 0 } pruning)
            return "";
        var layers = pruning.Layers;
        var plot = new SvgPlot("pruning-plot", "Channels per group before (light) and after (dark) pruning", 1000, 360,
            (0, layers.Count), (0, layers.Max(l => l.ChannelsBefore)));
        plot.Axes($"channel group, in graph order ({layers.Count} groups)", "channels", "0", "0", xTicks: false);
        var slot = plot.PlotX(1) - plot.PlotX(0);
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var x = SvgPlot.N(plot.PlotX(i + 0.5) - slot * 0.4);
            var width = SvgPlot.N(slot * 0.8);
            var baseline = plot.PlotY(0);
            plot.Add($"<g data-group=\"{Html.Text(layer.Group)}\" data-before=\"{layer.ChannelsBefore}\" data-after=\"{layer.ChannelsAfter}\"><title>{Html.Text(layer.Group)}: {layer.ChannelsBefore} -> {layer.ChannelsAfter}{(layer.Fixed is null ? "" : " (" + Html.Text(layer.Fixed) + ")")}</title>"
                + $"<rect class=\"bar-before\" x=\"{x}\" y=\"{SvgPlot.N(plot.PlotY(layer.ChannelsBefore))}\" width=\"{width}\" height=\"{SvgPlot.N(baseline - plot.PlotY(layer.ChannelsBefore))}\"/>"
                + $"<rect class=\"bar-after\" x=\"{x}\" y=\"{SvgPlot.N(plot.PlotY(layer.ChannelsAfter))}\" width=\"{width}\" height=\"{SvgPlot.N(baseline - plot.PlotY(layer.ChannelsAfter))}\"/></g>");
        }
        var pruned = layers.Where(l => l.ChannelsAfter < l.ChannelsBefore).OrderByDescending(l => l.Ratio).ThenBy(l => l.Group, StringComparer.Ordinal).Take(12);
        var table = Html.Table("pruning-table", ["group", "channels before", "after", "removed"],
            pruned.Select(l => Html.Cell(l.Group, "name") + Html.Cell(Html.Exact(l.ChannelsBefore)) + Html.Cell(Html.Exact(l.ChannelsAfter)) + Html.Cell(Html.Percent(l.Ratio))));
        var summary = Html.Paragraph($"{Html.Percent(pruning.RemovedFraction)} of the prunable channels removed, over {layers.Count(l => l.ChannelsAfter < l.ChannelsBefore)} of {layers.Count} groups; the most pruned:", "note");
        return Html.Section("pruning", "Pruning", plot + summary + table);
    }
}
