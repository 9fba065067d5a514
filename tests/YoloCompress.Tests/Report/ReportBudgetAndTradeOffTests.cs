using System.Text.Json.Nodes;
using YoloCompress.Core.Report;

namespace YoloCompress.Tests.Report;

/// <summary>The headline's budgets (held, broken, or not checked when the figure was not measured) and the trade-off
/// chart's points and Pareto front, from NAME.yolo.json files edited from the fixture's.</summary>
[Collection(CompressedReportCollection.Name)]
public sealed class ReportBudgetAndTradeOffTests(CompressedReportFixture run)
{
    [Fact]
    public void Each_budget_says_whether_it_held()
    {
        var html = CompressionReport.Render(Edited(json =>
        {
            json["settings"]!["MaxSize"] = 1000;
            json["settings"]!["MaxMapDrop"] = 0.5;
            json["settings"]!["MaxLatency"] = 20;
        }), new MeasuredLatency(60, 45));
        Assert.Contains("id=\"budget-MaxSize\" data-held=\"no\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"budget-MaxMapDrop\" data-held=\"yes\"", html, StringComparison.Ordinal);
        Assert.Contains("id=\"budget-MaxLatency\" data-held=\"no\"", html, StringComparison.Ordinal);
        Assert.Equal(45, ReportPage.Number(html, "after-latencyMs"));

        var rebuilt = CompressionReport.Render(Edited(json => json["settings"]!["MaxLatency"] = 20));
        Assert.Contains("id=\"budget-MaxLatency\" data-held=\"unknown\"", rebuilt, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_geometry_candidate_is_a_point_the_chosen_one_marked_and_the_front_drawn()
    {
        var html = CompressionReport.Render(Edited(json => json["geometrySearch"] = JsonNode.Parse("""
            { "chosen": "480", "candidates": [
              { "inputSize": "640", "gigaFlops": 4.4, "map50To95": 0.54, "withinBudget": true },
              { "inputSize": "480", "gigaFlops": 2.5, "map50To95": 0.55, "withinBudget": true },
              { "inputSize": "384", "gigaFlops": 1.6, "map50To95": 0.49, "withinBudget": false },
              { "inputSize": "416", "gigaFlops": 1.9, "map50To95": 0.48, "withinBudget": false } ] }
            """)));
        Assert.Contains("class=\"point chosen\" cx=", html, StringComparison.Ordinal);
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(html, "<circle ").Count);
        Assert.Contains("data-label=\"480\" data-gflops=\"2.5\" data-map50to95=\"0.55\" data-front=\"yes\"", html, StringComparison.Ordinal);
        Assert.Contains("data-label=\"384\" data-gflops=\"1.6\" data-map50to95=\"0.49\" data-front=\"yes\"", html, StringComparison.Ordinal);
        Assert.Contains("data-label=\"640\" data-gflops=\"4.4\" data-map50to95=\"0.54\" data-front=\"no\"", html, StringComparison.Ordinal);
        Assert.Contains("data-label=\"416\" data-gflops=\"1.9\" data-map50to95=\"0.48\" data-front=\"no\"", html, StringComparison.Ordinal);
        Assert.Contains("<polyline class=\"front\"", html, StringComparison.Ordinal);
    }

    private string Edited(Action<JsonNode> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(run.MetadataPath))!;
        edit(json);
        var path = Path.Combine(run.NewFolder(), "yolov5n.yolo.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }
}
