using System.Text.RegularExpressions;

namespace YoloCompress.Tests.Docs;

/// <summary>The README and docs/ as a user meets them: every link lands, the README's two commands are the
/// ones that work (and the one CI runs), its figures are ones a reproduce command in docs/results prints,
/// and no page reads as a changelog.</summary>
public sealed partial class DocumentationTests
{
    private static readonly MarkdownDocument Readme = new(Path.Combine(TestData.RepoRoot, "README.md"));

    private const string TestCommand = "dotnet test YoloCompress.Build.sln -c Release";

    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string>();
        pages.Add("README.md");
        foreach (var file in Directory.GetFiles(Path.Combine(TestData.RepoRoot, "docs"), "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            pages.Add(Path.GetRelativePath(TestData.RepoRoot, file).Replace('\\', '/'));
        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_lands_on_a_file_and_heading_that_exist(string page)
    {
        var document = new MarkdownDocument(Path.Combine(TestData.RepoRoot, page));
        var broken = new List<string>();
        foreach (var link in document.RelativeLinks())
        {
            var (file, anchor) = link.IndexOf('#') is var hash and >= 0 ? (link[..hash], link[(hash + 1)..]) : (link, "");
            var target = file.Length == 0 ? document.Path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(document.Path)!, file));
            if (!File.Exists(target) && !Directory.Exists(target))
                broken.Add(link + " (no such file)");
            else if (anchor.Length > 0 && target.EndsWith(".md", StringComparison.Ordinal) && !new MarkdownDocument(target).Anchors().Contains(anchor))
                broken.Add(link + " (no such heading)");
        }
        Assert.True(broken.Count == 0, $"{page}: " + string.Join("; ", broken));
    }

    [Fact]
    public void The_readme_gives_the_test_command_that_ci_runs()
    {
        var commands = Commands();
        Assert.Contains(TestCommand, commands);
        var ci = File.ReadAllLines(Path.Combine(TestData.RepoRoot, ".ci", "run"));
        Assert.Contains(ci, l => !l.TrimStart().StartsWith('#') && l.Contains(TestCommand, StringComparison.Ordinal));
    }

    [Fact]
    public void The_readme_main_command_compresses_the_shipped_model_as_written()
    {
        // The command as written, run through the CLI this test project builds (`dotnet run` would only
        // build it again), from the repository root, with only the output folder moved to a temporary one.
        var command = Assert.Single(Commands(), c => c.StartsWith("dotnet run ", StringComparison.Ordinal));
        const string cli = "dotnet run -c Release --project src/YoloCompress.Cli -- ";
        Assert.StartsWith(cli, command);
        var args = command[cli.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var output = Array.IndexOf(args, "-o");
        Assert.True(output >= 0 && output + 1 < args.Length, "the main command names no -o folder: " + command);
        using var temp = new TempFolder();
        args[output + 1] = temp.Path;
        args = args.Select(a => a.StartsWith("samples/", StringComparison.Ordinal) ? Path.Combine(TestData.RepoRoot, a) : a).ToArray();

        var run = CliProcess.Run(args);

        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.StartsWith("yolov5n (int8): ", run.StdOut);
        Assert.Contains("mAP@0.5:0.95 0.", run.StdOut); // --data gave it a validation set
        Assert.True(File.Exists(Path.Combine(temp.Path, "yolov5n.onnx")));
    }

    [Fact]
    public void Every_figure_in_the_readme_table_is_printed_by_a_reproduce_command_in_docs_results()
    {
        var results = string.Join("\n", Directory.GetFiles(Path.Combine(TestData.RepoRoot, "docs", "results"), "*.md").Select(File.ReadAllText));
        var table = Readme.Text.Split('\n').SkipWhile(l => !l.StartsWith("| model |", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith('|')).ToList();
        Assert.True(table.Count > 2, "README has no '| model |' results table");
        var figures = table.Skip(2).SelectMany(row => Figure().Matches(row).Select(m => m.Value)).Distinct().ToList();
        Assert.NotEmpty(figures);
        Assert.True(figures.All(f => results.Contains(f, StringComparison.Ordinal)),
            "figures in README's table found in no docs/results page: " + string.Join(", ", figures.Where(f => !results.Contains(f, StringComparison.Ordinal))));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void No_page_reads_as_a_changelog(string page)
    {
        var text = File.ReadAllText(Path.Combine(TestData.RepoRoot, page));
        var history = History().Matches(text).Select(m => m.Value).ToList();
        Assert.True(history.Count == 0, $"{page}: " + string.Join("; ", history));
    }

    /// <summary>The README's shell commands: the lines of its ```sh blocks that are not comments.</summary>
    private static List<string> Commands() =>
        Readme.CodeBlocks("sh").SelectMany(b => b.Split('\n')).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    // 7.57 MB, 48.5 ms, 0.3808, (0.30x), (-0.3 points): figures with a unit or a ratio, and mAPs.
    [GeneratedRegex(@"\d+(\.\d+)? (MB|ms)|\d\.\d+x|0\.\d{3,}|-?\d+(\.\d+)? points")]
    private static partial Regex Figure();

    [GeneratedRegex(@"issue \d+|issue-\d+|this session|Fixed:|\(bar[ :]", RegexOptions.IgnoreCase)]
    private static partial Regex History();
}
