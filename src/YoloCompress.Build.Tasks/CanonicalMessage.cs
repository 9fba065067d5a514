using System.Globalization;
using System.Text.RegularExpressions;

namespace YoloCompress.Build.Tasks;

/// <summary>A line in MSBuild's canonical format as the compressor prints it with --msbuild:
/// "ORIGIN(LINE,COL): error YC0001: text". Parsed here rather than by MSBuild's generic parser so
/// a line without a file ("dotnet-yolo-compress: error ...") points at the project instead.</summary>
internal sealed record CanonicalMessage(string? File, int Line, int Column, bool IsError, string Code, string Text)
{
    private static readonly Regex Pattern = new(
        @"^(?<origin>.*?)(\((?<line>\d+)(,(?<column>\d+))?\))?: (?<kind>error|warning) (?<code>YC\d{4}): (?<text>.*)$",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    public const string ToolOrigin = "dotnet-yolo-compress";

    public static CanonicalMessage? TryParse(string line)
    {
        var match = Pattern.Match(line);
        if (!match.Success)
            return null;
        var origin = match.Groups["origin"].Value.Trim();
        return new CanonicalMessage(
            origin.Length == 0 || origin == ToolOrigin ? null : origin,
            Number(match.Groups["line"]),
            Number(match.Groups["column"]),
            match.Groups["kind"].Value == "error",
            match.Groups["code"].Value,
            match.Groups["text"].Value);
    }

    private static int Number(Group group) =>
        group.Success ? int.Parse(group.Value, CultureInfo.InvariantCulture) : 0;
}
