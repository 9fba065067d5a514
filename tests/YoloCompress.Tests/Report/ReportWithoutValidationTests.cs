using System.Text.Json.Nodes;
using YoloCompress.Core.Report;

namespace YoloCompress.Tests.Report;

/// <summary>A model compressed without a validation set: the page says which sections need one and how to give it,
/// and draws no empty chart.</summary>
[Collection(CompressedReportCollection.Name)]
public sealed class ReportWithoutValidationTests(CompressedReportFixture run)
{
    [Fact]
    public void The_page_names_the_sections_that_need_a_validation_set_and_how_to_give_it()
    {
        var html = CompressionReport.Render(WithoutAccuracy());
        foreach (var section in new[] { "mAP before and after", "the MaxMapDrop budget", "Cost against accuracy", "AP per class" })
            Assert.Contains(section, html, StringComparison.Ordinal);
        Assert.Contains("--data DIR", html, StringComparison.Ordinal);
        Assert.Contains("ValidationSet", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"trade-off-plot\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"per-class-table\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"pruning-plot\"", html, StringComparison.Ordinal); // what needs no labels is still drawn
    }

    /// <summary>The fixture's NAME.yolo.json as a run without --data writes it: no mAP, no AP per class.</summary>
    private string WithoutAccuracy()
    {
        var json = JsonNode.Parse(File.ReadAllText(run.MetadataPath))!;
        foreach (var side in new[] { "before", "after" })
        {
            var metrics = json["metrics"]![side]!;
            metrics["map50"] = null;
            metrics["map50To95"] = null;
            metrics["perClass"] = null;
        }
        var path = Path.Combine(run.NewFolder(), "yolov5n.yolo.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
