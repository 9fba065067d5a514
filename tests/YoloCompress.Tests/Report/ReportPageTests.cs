using System.Text.Json;
using System.Text.RegularExpressions;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Report;

/// <summary>The page a real compress writes: its figures are NAME.yolo.json's, it stands alone (no script, nothing
/// fetched), it stays small, and `report` rebuilds it byte for byte.</summary>
[Collection(CompressedReportCollection.Name)]
public sealed partial class ReportPageTests(CompressedReportFixture run)
{
    [Fact]
    public void Compress_writes_the_page_beside_the_model()
    {
        Assert.True(run.Result.ExitCode == 0, run.Result.StdErr);
        Assert.True(File.Exists(run.PagePath), run.Result.StdErr);
    }

    [Fact]
    public void Every_headline_figure_is_the_one_in_yolo_json()
    {
        var html = File.ReadAllText(run.PagePath);
        using var json = JsonDocument.Parse(File.ReadAllText(run.MetadataPath));
        var metrics = json.RootElement.GetProperty("metrics");
        foreach (var side in new[] { "before", "after" })
            foreach (var key in new[] { "fileBytes", "parameters", "gigaFlops", "map50", "map50To95" })
                Assert.Equal(metrics.GetProperty(side).GetProperty(key).GetDouble(), ReportPage.Number(html, $"{side}-{key}"));
        Assert.Equal(json.RootElement.GetProperty("source").GetProperty("sha256").GetString(), ReportPage.Value(html, "source-sha256"));
        var calibration = json.RootElement.GetProperty("calibration");
        Assert.Equal(calibration.GetProperty("contentSha256").GetString(), ReportPage.Value(html, "calibration-contentSha256"));
        Assert.Equal(calibration.GetProperty("listSha256").GetString(), ReportPage.Value(html, "calibration-listSha256"));
        var quantization = json.RootElement.GetProperty("quantization");
        Assert.Equal(quantization.GetProperty("headConvs").GetString(), ReportPage.Value(html, "quantization-headConvs"));
        foreach (var op in quantization.GetProperty("quantizedNodes").EnumerateObject())
            Assert.Equal(op.Value.GetDouble(), ReportPage.Number(html, $"quantized-{op.Name}"));
        Assert.Equal("0.02", ReportPage.Value(html, "setting-PruneRatio"));
    }

    [Fact]
    public void Per_class_ap_and_pruned_widths_are_the_ones_in_yolo_json()
    {
        var html = File.ReadAllText(run.PagePath);
        using var json = JsonDocument.Parse(File.ReadAllText(run.MetadataPath));
        var before = json.RootElement.GetProperty("metrics").GetProperty("before").GetProperty("perClass").EnumerateArray().ToArray();
        Assert.NotEmpty(before);
        foreach (var c in before)
            Assert.Equal(c.GetProperty("ap50To95").GetDouble(), ReportPage.Number(html, $"class-{c.GetProperty("classId").GetInt32()}-before"));
        var layers = json.RootElement.GetProperty("pruning").GetProperty("layers").EnumerateArray().ToArray();
        var bars = Bar().Matches(html).ToDictionary(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value), m => (int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)));
        Assert.Equal(layers.Length, bars.Count);
        foreach (var layer in layers)
            Assert.Equal((layer.GetProperty("channelsBefore").GetInt32(), layer.GetProperty("channelsAfter").GetInt32()), bars[layer.GetProperty("group").GetString()!]);
    }

    [Fact]
    public void The_page_is_self_contained_small_and_scales_to_its_width()
    {
        var html = File.ReadAllText(run.PagePath);
        Assert.True(new FileInfo(run.PagePath).Length < 2 * 1024 * 1024, $"{new FileInfo(run.PagePath).Length} bytes");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.False(External().IsMatch(html), External().Match(html).Value);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.Contains("max-width: 1100px", html, StringComparison.Ordinal);
        Assert.Contains("svg.plot { display: block; width: 100%;", html, StringComparison.Ordinal);
        var svgs = ReportPage.SvgTags(html);
        Assert.Equal(2, svgs.Count); // the trade-off and the pruning plots
        Assert.All(svgs, svg => Assert.Matches("viewBox=\"0 0 [0-9.]+ [0-9.]+\" width=\"100%\"", svg));
        Assert.DoesNotContain(Path.GetTempPath(), html, StringComparison.Ordinal);
    }

    [Fact]
    public void The_images_where_the_models_disagree_most_are_inline_pngs_best_first()
    {
        var html = File.ReadAllText(run.PagePath);
        var figures = Disagreement().Matches(html).ToArray();
        Assert.InRange(figures.Length, 1, 3);
        var scores = figures.Select(m => double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.All(figures, m => Assert.True(File.Exists(Path.Combine(TestData.Coco16, "images", m.Groups[1].Value)), m.Groups[1].Value));
        Assert.Equal(figures.Length, Regex.Matches(html, "<img src=\"data:image/png;base64,").Count);
    }

    [Fact]
    public void Report_rebuilds_the_page_byte_for_byte_without_the_runs_latency()
    {
        var folder = run.NewFolder();
        File.Copy(run.MetadataPath, Path.Combine(folder, "yolov5n.yolo.json"));
        var first = CliProcess.Run("report", folder);
        Assert.True(first.ExitCode == 0, first.StdErr);
        var page = Path.Combine(folder, "yolov5n.report.html");
        var bytes = File.ReadAllBytes(page);
        Assert.Equal(0, CliProcess.Run("report", folder).ExitCode);
        Assert.Equal(bytes, File.ReadAllBytes(page));
        var html = File.ReadAllText(page);
        Assert.Contains("dotnet yolo-compress bench", html, StringComparison.Ordinal);
        Assert.Null(ReportPage.Value(html, "after-latencyMs"));
        Assert.NotNull(ReportPage.Value(File.ReadAllText(run.PagePath), "after-latencyMs"));
    }

    /// <summary>A src or href (or CSS url) that reaches outside the file.</summary>
    [GeneratedRegex(@"(src|href)\s*=\s*[""']?\s*(https?:)?//|url\(\s*[""']?(https?:)?//", RegexOptions.IgnoreCase)]
    private static partial Regex External();

    [GeneratedRegex("class=\"disagreement\" data-file=\"([^\"]+)\" data-score=\"([^\"]+)\"")]
    private static partial Regex Disagreement();

    [GeneratedRegex("data-group=\"([^\"]*)\" data-before=\"(\\d+)\" data-after=\"(\\d+)\"")]
    private static partial Regex Bar();
}
