using System.Globalization;
using System.Text.RegularExpressions;
using YoloCompress.Tests.Docs;

namespace YoloCompress.Build.Tests;

/// <summary>The README cannot lie about how to use the packages: its project-file snippet (both
/// PackageReferences, the model, calibration images, budgets), its yolocompress.json and its C# snippet
/// are built and run here as a user's app, against the packed packages.</summary>
[Collection(PackedFeedCollection.Name)]
[Trait("Needs", "Pipeline")]
public sealed class ReadmeSnippetTests(PackedFeed feed)
{
    [Fact]
    public void The_readme_app_builds_compresses_its_model_and_detects_as_the_readme_says()
    {
        feed.PackRuntime();
        var readme = new MarkdownDocument(Path.Combine(feed.RepoRoot, "README.md"));
        var items = readme.CodeBlock("xml", "<PackageReference Include=\"YoloCompress.Build\"");
        var program = readme.CodeBlock("csharp", "EmbeddedModel.OpenModel");
        var profiles = readme.CodeBlock("json", "\"profiles\"");
        Assert.Contains("<PackageReference Include=\"YoloCompress.Runtime\"", items);

        // The app's folder holds what the snippet names: models/, calib/, data/val, bus.jpg.
        var app = new TestApp(feed, "readme", items: "");
        Directory.CreateDirectory(Path.Combine(app.Directory, "models"));
        File.Copy(feed.Samples("models/yolov5n.pt"), Path.Combine(app.Directory, "models", "yolov5n.pt"));
        CopyFolder(feed.Samples("coco16/images"), Path.Combine(app.Directory, "calib"));
        CopyFolder(feed.Samples("coco16"), Path.Combine(app.Directory, "data", "val"));
        File.Copy(feed.Samples("reference/bus.jpg"), Path.Combine(app.Directory, "bus.jpg"));
        File.WriteAllText(Path.Combine(app.Directory, "yolocompress.json"), profiles);
        File.WriteAllText(Path.Combine(app.Directory, "Program.cs"), program);
        File.WriteAllText(app.ProjectFile, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <YoloCompressCacheDirectory>{System.Security.SecurityElement.Escape(app.Cache)}</YoloCompressCacheDirectory>
              </PropertyGroup>
              {items.Replace("Version=\"0.1.0\"", $"Version=\"{feed.Version}\"", StringComparison.Ordinal)}
            </Project>
            """);

        var build = app.Build();
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("yolov5n (int8): ", build.Output);
        Assert.DoesNotContain("warning YC", build.Output); // the json's profiles resolve too (a mistake would be YC0007)

        var run = app.Run();
        Assert.True(run.ExitCode == 0, run.ToString());
        // The first detection is the one the snippet's comment shows, within what another CPU's kernels may move.
        var expected = Detection(Regex.Match(program, @"// (.+)$", RegexOptions.Multiline).Groups[1].Value);
        var first = Detection(run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0]);
        Assert.Equal(expected.Name, first.Name);
        Assert.InRange(first.Confidence, expected.Confidence - 0.03, expected.Confidence + 0.03);
        for (var i = 0; i < 4; i++)
            Assert.InRange(first.Box[i], expected.Box[i] - 3, expected.Box[i] + 3);
    }

    /// <summary>"person 0.80 [219.2, 411.9, 350.7, 860.3]", as Detection.ToString writes it.</summary>
    private static (string Name, double Confidence, double[] Box) Detection(string line)
    {
        var match = Regex.Match(line, @"^(\S+) ([0-9.]+) \[([0-9., -]+)\]$");
        Assert.True(match.Success, "not a detection: " + line);
        var box = match.Groups[3].Value.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, box.Length);
        return (match.Groups[1].Value, double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), box);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
