using System.Text.RegularExpressions;

namespace YoloCompress.Core.Patterns;

/// <summary>The glob syntax of layer and node patterns in settings (PruneOverrides, PruneProtect,
/// KeepFloat): <c>*</c> any run of characters, <c>?</c> one character, the rest literal, whole name.</summary>
public static class Glob
{
    public static bool HasWildcards(string pattern) => pattern.IndexOfAny(['*', '?']) >= 0;

    public static Regex Compile(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);
}
