using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Profiles;

/// <summary>One value for one setting, as written somewhere (a profile, item metadata, a property,
/// --set), with where it was written so an error can point there.</summary>
public sealed record SettingOverride(string Name, string Value, DiagnosticOrigin Origin);

/// <summary>A named profile: an optional parent and the settings it changes. Built-in or from yolocompress.json.</summary>
public sealed record ProfileDefinition(string Name, string? Extends, IReadOnlyList<SettingOverride> Settings, DiagnosticOrigin Origin);

/// <summary>Settings after profiles and overrides, with where each non-default value came from.</summary>
/// <param name="Name">The profile named (its declared spelling).</param>
/// <param name="Chain">The profile and its ancestors, the named one first.</param>
/// <param name="Sources">Setting name to the origin of its final value; settings left at their default are absent.</param>
public sealed record ResolvedProfile(
    string Name,
    CompressionSettings Settings,
    IReadOnlyList<string> Chain,
    IReadOnlyDictionary<string, DiagnosticOrigin> Sources)
{
    /// <summary>Mistakes in the other profiles of the same yolocompress.json (YC0007): reported as warnings
    /// so that they surface before a build switches to that profile.</summary>
    public IReadOnlyList<Diagnostic> Warnings { get; init; } = [];

    public string ToCanonicalJson() => CanonicalSettingsJson.Write(Settings);
}
