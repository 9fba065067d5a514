using System.Reflection;
using NuGet.Versioning;

namespace YoloCompress.Core;

/// <summary>The version of YoloCompress that is running: the package version (Version in
/// Directory.Build.props, or -p:Version when packing). Stamped into cache keys and metadata so a
/// new compressor never reuses an old one's outputs.</summary>
public static class ToolVersion
{
    public static NuGetVersion Current { get; } = Read();

    /// <summary>The normalized version text, e.g. "0.1.0" or "0.2.0-beta.1".</summary>
    public static string Text => Current.ToNormalizedString();

    private static NuGetVersion Read()
    {
        var informational = typeof(ToolVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        // The SDK appends "+<commit>"; build metadata does not make a different version.
        var text = informational?.Split('+')[0];
        return text is not null && NuGetVersion.TryParse(text, out var version)
            ? version
            : new NuGetVersion(typeof(ToolVersion).Assembly.GetName().Version ?? new Version(0, 0, 0));
    }
}
