using System.Collections;
using Microsoft.Build.Framework;

namespace YoloCompress.Build.Tasks;

/// <summary>Reads a &lt;YoloModel&gt; item: which metadata are settings (passed to the compressor as
/// --set, so a misspelt one is reported as an unknown setting) and which drive the build itself.</summary>
internal static class YoloModelItem
{
    /// <summary>Metadata the build reads itself; not settings.</summary>
    public const string Profile = "Profile";
    public const string ValidationSet = "ValidationSet";
    public const string Name = "Name";

    /// <summary>Prefix of the metadata PrepareYoloModels adds (YoloCompressOnnxFile...).</summary>
    public const string ComputedPrefix = "YoloCompress";

    // Metadata that IDEs and common targets put on any item.
    private static readonly HashSet<string> NotSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        Profile, ValidationSet, Name,
        "Link", "Visible", "DependentUpon", "CopyToOutputDirectory", "CopyToPublishDirectory", "TargetPath",
        "Pack", "PackagePath", "Generator", "SubType", "LastGenOutput", "DesignTime", "AutoGen", "IsImplicitlyDefined",
        "OriginalItemSpec", "MSBuildSourceProjectFile", "MSBuildSourceTargetName",
    };

    /// <summary>The item's settings as Name=Value, sorted by name so the stamp does not depend on metadata order.</summary>
    public static IReadOnlyList<string> Settings(ITaskItem item)
    {
        var settings = new List<string>();
        foreach (DictionaryEntry entry in item.CloneCustomMetadata())
        {
            var name = (string)entry.Key;
            var value = (string?)entry.Value ?? "";
            if (value.Length == 0 || NotSettings.Contains(name) || name.StartsWith(ComputedPrefix, StringComparison.Ordinal))
                continue;
            settings.Add($"{name}={value}");
        }
        settings.Sort(StringComparer.OrdinalIgnoreCase);
        return settings;
    }

    /// <summary>YOLOCOMPRESS_SET: "Name=Value;Name=Value", applied after the project's settings.</summary>
    public static IReadOnlyList<string> ParseExtraSettings(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split([';'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();

    public static string ModelName(ITaskItem item)
    {
        var name = item.GetMetadata(Name);
        return string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(item.ItemSpec) : name.Trim();
    }
}
