using YoloCompress.Core.Pruning;

namespace YoloCompress.Cli.Commands;

/// <summary>Draws a sensitivity table: one bar series per ratio, one bar group per dependency group.</summary>
internal static class SensitivityPlot
{
    private const string FontFile = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

    public static void Write(SensitivityTable table, string path)
    {
        var plot = new ScottPlot.Plot();
        // Headless machines may have no default font that Skia finds by name; use DejaVu when present.
        if (File.Exists(FontFile))
        {
            ScottPlot.Fonts.AddFontFile("DejaVu Sans", FontFile);
            plot.Font.Set("DejaVu Sans");
        }
        var palette = new ScottPlot.Palettes.Category10();
        int series = table.Ratios.Count;
        for (int s = 0; s < series; s++)
        {
            var bars = table.Rows.Select((row, g) => new ScottPlot.Bar
            {
                Position = g * (series + 1) + s,
                Value = row.Drops[s],
                FillColor = palette.GetColor(s),
            }).ToList();
            plot.Add.Bars(bars).LegendText = $"ratio {table.Ratios[s]:0.##}";
        }
        var ticks = table.Rows.Select((row, g) => new ScottPlot.Tick(g * (series + 1) + (series - 1) / 2.0, row.Group)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 60;
        plot.Axes.Bottom.TickLabelStyle.Alignment = ScottPlot.Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 160;
        plot.YLabel("mAP@0.5:0.95 drop");
        plot.Title("Pruning sensitivity per dependency group");
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Math.Max(900, table.Rows.Count * 40), 600);
    }
}
