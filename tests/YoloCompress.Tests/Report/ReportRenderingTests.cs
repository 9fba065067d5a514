using SkiaSharp;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Report;

/// <summary>The page in a real browser (headless Chromium) at 1200 px: each plot is drawn (its marks' colours are
/// on the screenshot) and nothing runs past the page's column into the margins.</summary>
[Collection(CompressedReportCollection.Name)]
public sealed class ReportRenderingTests(CompressedReportFixture run)
{
    private const int Width = 1200, Height = 2600;

    [ChromiumFact]
    public void Chromium_draws_every_plot_and_nothing_overflows_the_column()
    {
        var png = Path.Combine(run.NewFolder(), "report.png");
        Chromium.Screenshot(run.PagePath, png, Width, Height);
        using var shot = SKBitmap.Decode(png);
        Assert.Equal(Width, shot.Width);
        Assert.True(Count(shot, new SKColor(0xe8, 0x59, 0x0c)) > 50, "the trade-off plot's chosen point is not on the screenshot");
        Assert.True(Count(shot, new SKColor(0x3b, 0x6f, 0xd4)) > 200, "the trade-off point or pruning bars are not on the screenshot");
        Assert.True(Count(shot, new SKColor(0xc9, 0xd6, 0xf2)) > 200, "the pruning plot's original widths are not on the screenshot");
        // The column is 1100 px, centred: 50 px each side stay white unless something overflows it.
        for (var y = 0; y < shot.Height; y++)
            foreach (var x in new[] { 0, 20, 40, Width - 41, Width - 21, Width - 1 })
                Assert.True(shot.GetPixel(x, y) == SKColors.White, $"pixel ({x}, {y}) is {shot.GetPixel(x, y)}: something runs past the page's column");
        if (Environment.GetEnvironmentVariable("YOLOCOMPRESS_REPORT_SCREENSHOT") is { Length: > 0 } keep)
            File.Copy(png, keep, overwrite: true); // how docs/images/report.png is made
    }

    private static int Count(SKBitmap bitmap, SKColor colour)
    {
        var n = 0;
        for (var y = 0; y < bitmap.Height; y += 2)
            for (var x = 0; x < bitmap.Width; x += 2)
                if (Close(bitmap.GetPixel(x, y), colour)) n++;
        return n;
    }

    private static bool Close(SKColor a, SKColor b) =>
        Math.Abs(a.Red - b.Red) <= 6 && Math.Abs(a.Green - b.Green) <= 6 && Math.Abs(a.Blue - b.Blue) <= 6;
}
