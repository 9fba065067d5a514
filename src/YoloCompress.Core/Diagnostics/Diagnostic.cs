using System.Globalization;

namespace YoloCompress.Core.Diagnostics;

/// <summary>Where a diagnostic points: a file (project file, yolocompress.json, model...) and,
/// when known, a 1-based line and column. Also where a setting value came from.</summary>
/// <param name="File">The file at fault; null when the cause is not in a file (the command line).</param>
/// <param name="Description">How the value got there, for people: "profile 'mine'", "--set".</param>
public sealed record DiagnosticOrigin(string? File, string Description, int? Line = null, int? Column = null)
{
    public static DiagnosticOrigin CommandLine(string description) => new(null, description);

    /// <summary>"FILE(LINE,COL)" as MSBuild's canonical format wants it, or the tool name when there is no file.</summary>
    public string ToCanonicalLocation(string fallback)
    {
        if (File is null)
            return fallback;
        if (Line is null)
            return File;
        return Column is null
            ? string.Create(CultureInfo.InvariantCulture, $"{File}({Line})")
            : string.Create(CultureInfo.InvariantCulture, $"{File}({Line},{Column})");
    }

    /// <summary>"FILE line N (description)" for messages read by people.</summary>
    public override string ToString()
    {
        if (File is null)
            return Description;
        var where = Line is null ? File : string.Create(CultureInfo.InvariantCulture, $"{File} line {Line}");
        return $"{Description} in {where}";
    }
}

/// <summary>One reported problem: code, severity, text and origin.</summary>
public sealed record Diagnostic(DiagnosticDescriptor Descriptor, string Message, DiagnosticOrigin? Origin = null)
{
    public string Code => Descriptor.Code;

    public DiagnosticSeverity Severity => Descriptor.Severity;

    /// <summary>"ORIGIN(LINE,COL): error YC0001: text": the canonical form MSBuild turns into a real
    /// error or warning. <paramref name="fallbackOrigin"/> stands in when the origin has no file.</summary>
    public string ToCanonicalString(string fallbackOrigin)
    {
        var location = Origin?.ToCanonicalLocation(fallbackOrigin) ?? fallbackOrigin;
        var kind = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        return $"{location}: {kind} {Code}: {OneLine(Message)}";
    }

    public override string ToString() => $"{(Severity == DiagnosticSeverity.Error ? "error" : "warning")} {Code}: {Message}";

    // The canonical format is one line; a multi-line message would be cut by the parser.
    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
