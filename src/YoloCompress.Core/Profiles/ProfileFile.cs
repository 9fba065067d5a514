using System.Text.Json;
using Microsoft.Extensions.Configuration;
using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Profiles;

/// <summary>A yolocompress.json: named profiles that extend one another or a built-in preset.
/// <code>{ "profiles": { "mine": { "extends": "int8", "Calibration": "percentile", "KeepFloat": ["model.0*"] } } }</code>
/// Setting names are CompressionSettings property names, case-insensitive. Lists may be JSON
/// arrays or "a;b" strings.</summary>
public sealed class ProfileFile
{
    /// <summary>The file name looked for beside a project (or in the current folder for the CLI).</summary>
    public const string DefaultFileName = "yolocompress.json";

    private const string ProfilesKey = "profiles";
    private const string ExtendsKey = "extends";

    private ProfileFile(string path, IReadOnlyList<ProfileDefinition> profiles)
    {
        Path = path;
        Profiles = profiles;
    }

    public string Path { get; }

    public IReadOnlyList<ProfileDefinition> Profiles { get; }

    public ProfileDefinition? Find(string name) =>
        Profiles.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads and checks the file's shape (not the setting values: those are checked when a
    /// profile is resolved, so an unused profile's mistake does not break every build).</summary>
    public static ProfileFile Load(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new YoloCompressException(DiagnosticCatalog.InvalidProfileFile,
                $"Cannot read the profile file {full}: {e.Message}", new DiagnosticOrigin(full, "profile file"), e);
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(bytes)).Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or JsonException)
        {
            var json = FindInner<JsonException>(e);
            var line = json?.LineNumber is { } zeroBased ? (int)zeroBased + 1 : (int?)null;
            throw new YoloCompressException(DiagnosticCatalog.InvalidProfileFile,
                $"{full} is not valid JSON: {json?.Message ?? e.Message}", new DiagnosticOrigin(full, "profile file", line), e);
        }

        var lines = new JsonLineLocator(bytes);
        foreach (var top in configuration.GetChildren())
        {
            if (!top.Key.Equals(ProfilesKey, StringComparison.OrdinalIgnoreCase) && !top.Key.Equals("$schema", StringComparison.Ordinal))
                throw ShapeError(full, lines.LineOf(top.Path), $"unknown top-level key '{top.Key}' (expected \"profiles\")");
        }

        var profiles = new List<ProfileDefinition>();
        foreach (var section in configuration.GetSection(ProfilesKey).GetChildren())
            profiles.Add(ReadProfile(full, section, lines));
        return new ProfileFile(full, profiles);
    }

    /// <summary>The yolocompress.json in <paramref name="directory"/>, or null when there is none.</summary>
    public static ProfileFile? LoadFromDirectoryIfPresent(string directory)
    {
        var candidate = System.IO.Path.Combine(directory, DefaultFileName);
        return File.Exists(candidate) ? Load(candidate) : null;
    }

    private static ProfileDefinition ReadProfile(string file, IConfigurationSection section, JsonLineLocator lines)
    {
        var name = section.Key;
        var origin = new DiagnosticOrigin(file, $"profile '{name}'", lines.LineOf(section.Path));
        if (section.Value is not null)
            throw ShapeError(file, origin.Line, $"profile '{name}' must be an object of settings");
        if (BuiltInProfiles.Find(name) is not null)
        {
            throw new YoloCompressException(DiagnosticCatalog.ProfileHidesBuiltIn,
                $"Profile '{name}' in {file} has the name of a built-in profile; choose another name and use \"extends\": \"{name}\"", origin);
        }

        string? extends = null;
        var settings = new List<SettingOverride>();
        foreach (var child in section.GetChildren())
        {
            var at = origin with { Line = lines.LineOf(child.Path) ?? origin.Line };
            if (child.Key.Equals(ExtendsKey, StringComparison.OrdinalIgnoreCase))
            {
                extends = child.Value is { Length: > 0 } parent ? parent : throw ShapeError(file, at.Line, $"\"extends\" of profile '{name}' must name a profile");
                continue;
            }
            settings.Add(new SettingOverride(child.Key, ValueOf(child), at));
        }
        return new ProfileDefinition(name, extends, settings, origin);
    }

    // Scalars are text already; arrays arrive as children "0", "1"... in index order.
    private static string ValueOf(IConfigurationSection child) =>
        child.Value ?? string.Join(';', child.GetChildren().Select(c => c.Value ?? ""));

    private static YoloCompressException ShapeError(string file, int? line, string what) =>
        new(DiagnosticCatalog.InvalidProfileFile, $"{file}: {what}", new DiagnosticOrigin(file, "profile file", line));

    private static T? FindInner<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T match)
                return match;
        }
        return null;
    }
}
