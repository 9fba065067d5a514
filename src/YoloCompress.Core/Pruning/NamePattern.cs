using YoloCompress.Core.Patterns;
using System.Text.RegularExpressions;

namespace YoloCompress.Core.Pruning;

/// <summary>A node name or a glob over names ('*' any run of characters, '?' one character), as used by
/// PruneOverrides and PruneProtect.</summary>
public sealed class NamePattern
{
    private readonly Regex _regex;

    public NamePattern(string pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern)) throw new ArgumentException("A layer pattern is empty.");
        Pattern = pattern.Trim();
        _regex = Glob.Compile(Pattern);
    }

    public string Pattern { get; }

    public bool Matches(string name) => _regex.IsMatch(name);

    /// <summary>True when the pattern matches any of the group's producer names or module paths.</summary>
    public bool Matches(PruningGroup group) => group.MatchNames().Any(Matches);

    public override string ToString() => Pattern;
}
