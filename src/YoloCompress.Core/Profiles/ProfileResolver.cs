using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Profiles;

/// <summary>Turns a profile name, an optional yolocompress.json and overrides into settings:
/// CompressionSettings defaults, then the profile's ancestors from the root down, then the
/// overrides in the order given (later wins). Every value is parsed strictly; a mistake is a
/// YoloCompressException naming the setting, the value and where it was written.</summary>
public static class ProfileResolver
{
    public static ResolvedProfile Resolve(string? profileName, ProfileFile? file = null, IEnumerable<SettingOverride>? overrides = null)
    {
        var chain = Chain(string.IsNullOrWhiteSpace(profileName) ? BuiltInProfiles.Default : profileName.Trim(), file);
        var sources = new SortedDictionary<string, DiagnosticOrigin>(StringComparer.Ordinal);
        var settings = ApplyChain(chain, sources);
        foreach (var setting in overrides ?? [])
            settings = Apply(settings, setting, sources);

        var names = chain.Select(p => p.Name).ToArray();
        return new ResolvedProfile(chain[0].Name, settings, names, sources) { Warnings = CheckOthers(file, names) };
    }

    /// <summary>Resolves every profile of the file that <paramref name="used"/> does not name; each that fails
    /// becomes a YC0007 warning carrying the original message and location.</summary>
    private static IReadOnlyList<Diagnostic> CheckOthers(ProfileFile? file, IReadOnlyCollection<string> used)
    {
        var warnings = new List<Diagnostic>();
        foreach (var profile in file?.Profiles ?? [])
        {
            if (used.Contains(profile.Name, StringComparer.OrdinalIgnoreCase)) continue;
            try
            {
                ApplyChain(Chain(profile.Name, file), sources: null);
            }
            catch (YoloCompressException e)
            {
                warnings.Add(new Diagnostic(DiagnosticCatalog.UnusedProfileInvalid,
                    $"Profile '{profile.Name}' is not used here, but {e.Diagnostic.Descriptor.Code}: {e.Diagnostic.Message}", e.Diagnostic.Origin));
            }
        }
        return warnings;
    }

    /// <summary>Defaults, then the chain's settings from the root ancestor down, so a child's values replace its parent's.</summary>
    private static CompressionSettings ApplyChain(List<ProfileDefinition> chain, IDictionary<string, DiagnosticOrigin>? sources)
    {
        var settings = new CompressionSettings();
        for (var i = chain.Count - 1; i >= 0; i--)
            foreach (var setting in chain[i].Settings)
                settings = Apply(settings, setting, sources);
        return settings;
    }

    /// <summary>Applies one override; throws YC0001/YC0002 with its origin when it is wrong.</summary>
    public static CompressionSettings Apply(CompressionSettings settings, SettingOverride setting, IDictionary<string, DiagnosticOrigin>? sources = null)
    {
        var definition = SettingDefinitions.Find(setting.Name) ?? throw new YoloCompressException(
            DiagnosticCatalog.UnknownSetting,
            $"Unknown setting '{setting.Name}' ({setting.Origin}). Known settings: {SettingDefinitions.NameList}",
            setting.Origin);
        try
        {
            var result = definition.Apply(settings, setting.Value);
            if (sources is not null)
                sources[definition.Name] = setting.Origin;
            return result;
        }
        catch (SettingValueException e)
        {
            throw new YoloCompressException(
                DiagnosticCatalog.InvalidSettingValue,
                $"Invalid value '{setting.Value}' for setting {definition.Name} ({setting.Origin}): {e.Message}",
                setting.Origin);
        }
    }

    /// <summary>"Name=Value" as written on the command line or in YOLOCOMPRESS_SET.</summary>
    public static SettingOverride ParseAssignment(string assignment, DiagnosticOrigin origin)
    {
        var equals = assignment.IndexOf('=');
        if (equals <= 0)
        {
            throw new YoloCompressException(DiagnosticCatalog.InvalidSettingValue,
                $"'{assignment}' ({origin}) is not Name=Value", origin);
        }
        return new SettingOverride(assignment[..equals].Trim(), assignment[(equals + 1)..].Trim(), origin);
    }

    // The named profile and its ancestors, the named one first.
    private static List<ProfileDefinition> Chain(string name, ProfileFile? file)
    {
        var chain = new List<ProfileDefinition>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        DiagnosticOrigin? referencedFrom = null;
        string? current = name;
        while (current is not null)
        {
            var profile = file?.Find(current) ?? BuiltInProfiles.Find(current) ?? throw UnknownProfile(current, file, referencedFrom);
            if (!seen.Add(profile.Name))
            {
                var cycle = string.Join(" -> ", chain.Select(p => p.Name).Append(profile.Name));
                throw new YoloCompressException(DiagnosticCatalog.ProfileCycle,
                    $"Profiles extend one another in a cycle: {cycle}", chain[^1].Origin);
            }
            chain.Add(profile);
            referencedFrom = profile.Origin;
            current = profile.Extends;
        }
        return chain;
    }

    private static YoloCompressException UnknownProfile(string name, ProfileFile? file, DiagnosticOrigin? referencedFrom)
    {
        var known = BuiltInProfiles.All.Select(p => p.Name).Concat(file?.Profiles.Select(p => p.Name) ?? []);
        var where = referencedFrom is null ? "" : $" (extended by {referencedFrom})";
        var fileNote = file is null ? " No yolocompress.json was found." : $" Profiles in {file.Path} were searched too.";
        return new YoloCompressException(DiagnosticCatalog.UnknownProfile,
            $"Unknown profile '{name}'{where}. Known profiles: {string.Join(", ", known)}.{fileNote}",
            referencedFrom);
    }
}
