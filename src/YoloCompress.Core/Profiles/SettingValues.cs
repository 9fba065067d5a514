using System.Globalization;
using YoloCompress.Core.Patterns;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Core.Profiles;

/// <summary>Thrown by a setting parser with the reason a value is refused; the resolver adds the
/// setting name, the value and where it came from.</summary>
internal sealed class SettingValueException(string reason) : Exception(reason);

/// <summary>Strict parsers for setting values as they arrive from JSON, MSBuild and the command
/// line: always text, invariant culture, nothing guessed.</summary>
internal static class SettingValues
{
    /// <summary>Values that clear an optional setting (a budget inherited from a profile).</summary>
    public static bool IsNone(string text) =>
        text.Length == 0 || text.Equals("none", StringComparison.OrdinalIgnoreCase);

    public static int Integer(string text, int min, int max)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new SettingValueException("expected a whole number");
        if (value < min || value > max)
            throw new SettingValueException($"must be between {min} and {max}");
        return value;
    }

    public static double Number(string text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new SettingValueException("expected a number such as 0.25 (invariant culture, '.' as the decimal point)");

    /// <summary>A number in [min, max] (or (min, max] when <paramref name="minExclusive"/>).</summary>
    public static double Number(string text, double min, double max, bool minExclusive = false)
    {
        var value = Number(text);
        var tooLow = minExclusive ? value <= min : value < min;
        if (tooLow || value > max)
        {
            throw new SettingValueException(minExclusive
                ? string.Create(CultureInfo.InvariantCulture, $"must be above {min} and at most {max}")
                : string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}"));
        }
        return value;
    }

    public static bool Boolean(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw new SettingValueException("expected true or false"),
    };

    /// <summary>One of a fixed set, case-insensitive on its setting names.</summary>
    public static T Choice<T>(string text, IReadOnlyList<T> allowed, Func<T, string> name)
    {
        var trimmed = text.Trim();
        foreach (var candidate in allowed)
        {
            if (name(candidate).Equals(trimmed, StringComparison.OrdinalIgnoreCase))
                return candidate;
        }
        throw new SettingValueException("expected one of " + string.Join(", ", allowed.Select(name)));
    }

    /// <summary>"a;b;c" (',' also separates). Empty entries are dropped; order is kept.</summary>
    public static IReadOnlyList<string> List(string text) =>
        text.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static readonly (string Suffix, long Factor)[] SizeUnits =
    [
        ("KIB", 1024L), ("MIB", 1024L * 1024), ("GIB", 1024L * 1024 * 1024),
        ("KB", 1024L), ("MB", 1024L * 1024), ("GB", 1024L * 1024 * 1024),
        ("K", 1024L), ("M", 1024L * 1024), ("G", 1024L * 1024 * 1024),
        ("B", 1L),
    ];

    /// <summary>A file size: "1234" (bytes), "800KB", "2.5MB", "1GB". KB, MB and GB are binary
    /// (1 KB = 1024 bytes), as file managers on most systems show sizes.</summary>
    public static long Size(string text)
    {
        var trimmed = text.Trim().ToUpperInvariant().Replace(" ", "", StringComparison.Ordinal);
        long factor = 1;
        foreach (var (suffix, unit) in SizeUnits)
        {
            if (trimmed.EndsWith(suffix, StringComparison.Ordinal))
            {
                factor = unit;
                trimmed = trimmed[..^suffix.Length];
                break;
            }
        }
        if (!double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number <= 0)
            throw new SettingValueException("expected a size such as 2.5MB, 800KB or 1234 (bytes)");
        var bytes = Math.Round(number * factor);
        if (bytes >= long.MaxValue || bytes < 1)
            throw new SettingValueException("size out of range");
        return (long)bytes;
    }

    /// <summary>Milliseconds: "25", "25ms", "0.5ms".</summary>
    public static double Milliseconds(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.EndsWith("ms", StringComparison.OrdinalIgnoreCase))
            trimmed = trimmed[..^2];
        var value = Number(trimmed);
        return value > 0 ? value : throw new SettingValueException("must be a positive number of milliseconds");
    }

    /// <summary>Node names, globs and (where allowed) op:TYPE entries.</summary>
    public static IReadOnlyList<NodePattern> Patterns(string text, bool allowOpTypes) =>
        List(text).Select(entry => Pattern(entry, allowOpTypes)).ToArray();

    /// <summary>"pattern=ratio" entries for per-layer pruning.</summary>
    public static IReadOnlyList<RatioOverride> RatioOverrides(string text, double maxRatio)
    {
        var entries = List(text);
        var result = new List<RatioOverride>(entries.Count);
        foreach (var entry in entries)
        {
            var equals = entry.LastIndexOf('=');
            if (equals <= 0)
                throw new SettingValueException($"entry '{entry}' is not pattern=ratio");
            var ratio = Number(entry[(equals + 1)..], 0, maxRatio);
            result.Add(new RatioOverride(Pattern(entry[..equals], allowOpTypes: false), ratio));
        }
        return result;
    }

    private static NodePattern Pattern(string text, bool allowOpTypes)
    {
        NodePattern pattern;
        try
        {
            pattern = NodePattern.Parse(text);
        }
        catch (FormatException e)
        {
            throw new SettingValueException(e.Message);
        }
        return pattern.IsOpType && !allowOpTypes
            ? throw new SettingValueException($"'{pattern.Text}': op:TYPE entries select nodes for KeepFloat; here give layer names or globs")
            : pattern;
    }
}
