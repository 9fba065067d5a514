namespace YoloCompress.Core.Report;

/// <summary>The page's one stylesheet, inline: system fonts only (nothing fetched), a maximum width so nothing runs
/// off a wide screen, plots that scale to the column (viewBox, width 100%), tables that wrap long tensor names
/// instead of overflowing, and print rules that keep each plot on one page.</summary>
internal static class ReportStyle
{
    public const string Css = """
        :root { color-scheme: light; }
        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2330; background: #fff;
               max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; box-sizing: border-box; }
        h1 { font-size: 1.6em; margin: 0.4em 0 0.1em; }
        h2 { font-size: 1.25em; border-bottom: 1px solid #d5d9e2; padding-bottom: 4px; margin-top: 1.8em; }
        h3 { font-size: 1.05em; }
        .subtitle { color: #586074; margin-top: 0; }
        table { border-collapse: collapse; width: 100%; max-width: 100%; table-layout: auto; margin: 8px 0 12px; }
        th, td { border-bottom: 1px solid #e3e6ec; padding: 4px 8px; text-align: right; vertical-align: top; overflow-wrap: anywhere; }
        th:first-child, td:first-child, td.name { text-align: left; }
        th { background: #f3f5f9; font-weight: 600; }
        td.hash, .name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.85em; overflow-wrap: anywhere; }
        td.held { color: #1a7f37; font-weight: 600; }
        td.broken { color: #c62828; font-weight: 600; }
        td.missing { color: #8a90a0; }
        .note { color: #586074; }
        .needs-validation { background: #fff7e0; border-left: 4px solid #e0a800; padding: 8px 12px; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; background: #f3f5f9; padding: 0 3px; }
        figure { margin: 8px 0 16px; max-width: 100%; }
        img { max-width: 100%; height: auto; }
        figure.disagreement img { display: block; margin: 0 auto; }
        figcaption { color: #586074; font-size: 0.9em; text-align: center; }
        svg.plot { display: block; width: 100%; height: auto; max-width: 100%; }
        svg .axis { stroke: #1d2330; stroke-width: 1; }
        svg .grid { stroke: #e3e6ec; stroke-width: 1; }
        svg .tick { font-size: 12px; fill: #586074; }
        svg .label { font-size: 13px; fill: #1d2330; }
        svg .point { fill: #3b6fd4; stroke: #1d3f8a; stroke-width: 1; }
        svg .point.over { fill: #fff; stroke: #3b6fd4; stroke-width: 2; }
        svg .point.chosen { fill: #e8590c; stroke: #8a3000; stroke-width: 2; }
        svg .point-label { font-size: 11px; fill: #1d2330; }
        svg .front { fill: none; stroke: #e8590c; stroke-width: 2; stroke-dasharray: 6 4; }
        svg .bar-before { fill: #c9d6f2; }
        svg .bar-after { fill: #3b6fd4; }
        @media print { body { max-width: none; padding: 0; } section, figure { break-inside: avoid; } }
        """;
}
