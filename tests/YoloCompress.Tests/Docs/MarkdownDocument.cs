using System.Text;
using System.Text.RegularExpressions;

namespace YoloCompress.Tests.Docs;

/// <summary>The parts of a Markdown file the documentation tests check: fenced code blocks, relative
/// links, and the anchors its headings get (GitHub's rule). Shared with YoloCompress.Build.Tests, which
/// builds the README's snippets.</summary>
public sealed partial class MarkdownDocument
{
    public MarkdownDocument(string path)
    {
        Path = path;
        Text = File.ReadAllText(path);
    }

    public string Path { get; }

    public string Text { get; }

    /// <summary>The fenced blocks of one language (```xml ... ```), in order, without their fences.</summary>
    public IReadOnlyList<string> CodeBlocks(string language) =>
        Fence().Matches(Text).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value).ToList();

    /// <summary>The one fenced block of <paramref name="language"/> that contains <paramref name="marker"/>.</summary>
    public string CodeBlock(string language, string marker)
    {
        var blocks = CodeBlocks(language).Where(b => b.Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.True(blocks.Count == 1, $"{Path}: expected one ```{language} block containing '{marker}', found {blocks.Count}");
        return blocks[0];
    }

    /// <summary>Targets of [text](target) links outside code, neither web addresses nor mail.</summary>
    public IEnumerable<string> RelativeLinks() =>
        Link().Matches(WithoutCode()).Select(m => m.Groups[1].Value)
            .Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith("mailto:", StringComparison.Ordinal));

    /// <summary>The anchors of the headings, as GitHub makes them: lower case, punctuation dropped, spaces to
    /// hyphens, "-1", "-2"... for repeats.</summary>
    public IReadOnlySet<string> Anchors()
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match heading in Heading().Matches(WithoutCode()))
        {
            var slug = new StringBuilder();
            foreach (var c in heading.Groups[1].Value.Trim().ToLowerInvariant())
                if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
                else if (c == ' ') slug.Append('-');
            var anchor = slug.ToString();
            for (var n = 1; !anchors.Add(anchor); n++)
                anchor = $"{slug}-{n}";
        }
        return anchors;
    }

    private string WithoutCode() => Fence().Replace(Text, "");

    [GeneratedRegex(@"^```(\w*)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} +(.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
