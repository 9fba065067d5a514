using NuGet.Versioning;
using YoloCompress.Core.Budgets;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Caching;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;

namespace YoloCompress.Core.Compress;

/// <summary>Checks every input of a <see cref="CompressJob"/> before any work starts and turns them into a
/// CompressionRequest: a mistake in the command line or the project costs milliseconds, not a
/// compression. Each problem is a YoloCompressException naming the input at fault.</summary>
public static class CompressJobInputs
{
    internal static readonly IReadOnlyList<string> ModelExtensions = [".pt", ".onnx"];

    public static (CompressionRequest Request, ResolvedProfile Profile) Prepare(CompressJob options, string outputDirectory)
    {
        var modelPath = Path.GetFullPath(options.Model);
        if (!File.Exists(modelPath))
            throw new YoloCompressException(DiagnosticCatalog.ModelNotFound, $"Model file not found: {modelPath}", ModelOrigin(options, modelPath));
        if (!ModelExtensions.Contains(Path.GetExtension(modelPath), StringComparer.OrdinalIgnoreCase))
        {
            throw new YoloCompressException(DiagnosticCatalog.UnsupportedModel,
                $"{modelPath} is neither an ultralytics .pt checkpoint nor an .onnx model", ModelOrigin(options, modelPath));
        }

        var name = options.Name ?? Path.GetFileNameWithoutExtension(modelPath);
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/') || name.Contains('\\') || name is "." or "..")
            throw new YoloCompressException(DiagnosticCatalog.InvalidOutputName, $"'{name}' cannot be a model name: use letters, digits, '.', '-' or '_'", ProjectOrigin(options));

        var profile = ResolveProfile(options);
        CheckOnnxRuntime(options, profile);

        var validationSet = ValidationSet(options);
        var budgetProblems = BudgetCheck.CheckInputs(profile, validationSet);
        if (budgetProblems.Count > 0)
            throw new YoloCompressException(budgetProblems[0]);

        var calibration = ChooseCalibrationImages(options, profile.Settings);
        var request = new CompressionRequest(modelPath, calibration, validationSet, profile.Settings, profile.Name, outputDirectory, name);
        return (request, profile);
    }

    internal static ResolvedProfile ResolveProfile(CompressJob options)
    {
        ProfileFile? file = null;
        if (options.ConfigFile is { Length: > 0 } config)
        {
            if (!File.Exists(config))
                throw new YoloCompressException(DiagnosticCatalog.InvalidProfileFile, $"Profile file not found: {Path.GetFullPath(config)}", ProjectOrigin(options));
            file = ProfileFile.Load(config);
        }
        else
        {
            file = ProfileFile.LoadFromDirectoryIfPresent(Directory.GetCurrentDirectory());
        }

        var overrides = options.Settings.Select(assignment =>
        {
            var setting = ProfileResolver.ParseAssignment(assignment, SetOrigin(options, assignment));
            return setting with { Origin = SetOrigin(options, setting.Name) };
        });
        return ProfileResolver.Resolve(options.Profile, file, overrides.ToArray());
    }

    private static void CheckOnnxRuntime(CompressJob options, ResolvedProfile profile)
    {
        if (options.OnnxRuntimeVersion is not { Length: > 0 } text)
            return;
        // A PackageReference may hold a range ("[1.16,2.0)"); its lowest version is what may be restored.
        var version = NuGetVersion.TryParse(text, out var exact) ? exact
            : VersionRange.TryParse(text, out var range) ? range.MinVersion
            : null;
        if (version is null)
            return;
        var needed = OnnxRuntimeRequirement.For(profile.Settings);
        if (version < needed)
        {
            throw new YoloCompressException(DiagnosticCatalog.OnnxRuntimeTooOld,
                $"The app references Microsoft.ML.OnnxRuntime {version}, which cannot run {OnnxRuntimeRequirement.Describe(profile.Settings)} (profile '{profile.Name}'): raise it to {needed} or later",
                ProjectOrigin(options));
        }
    }

    private static string? ValidationSet(CompressJob options)
    {
        if (options.ValidationSet is not { Length: > 0 } data)
            return null;
        var full = Path.GetFullPath(data);
        if (!Directory.Exists(full))
            throw new YoloCompressException(DiagnosticCatalog.ValidationSetInvalid, $"Validation set not found: {full}", ProjectOrigin(options));
        if (!Directory.Exists(Path.Combine(full, "images")) || !Directory.Exists(Path.Combine(full, "labels")))
        {
            throw new YoloCompressException(DiagnosticCatalog.ValidationSetInvalid,
                $"Validation set {full} must hold images/ and labels/ (YOLO txt labels, one file per image)", ProjectOrigin(options));
        }
        return full;
    }

    /// <summary>Sorted, at most CalibrationCount evenly spaced. Empty is an error only when the settings need images.</summary>
    internal static IReadOnlyList<string> ChooseCalibrationImages(CompressJob options, CompressionSettings settings)
    {
        var candidates = new List<string>();
        if (options.CalibrationDirectory is { Length: > 0 } directory)
        {
            var full = Path.GetFullPath(directory);
            if (!Directory.Exists(full))
                throw new YoloCompressException(DiagnosticCatalog.CalibrationImageNotFound, $"Calibration folder not found: {full}", ProjectOrigin(options));
            candidates.AddRange(CalibrationImages.ImagesIn(full));
        }
        if (options.CalibrationList is { Length: > 0 } list)
            candidates.AddRange(ReadList(Path.GetFullPath(list), options));

        if (candidates.Count == 0 && settings.CalibrationNeededBy() is { } reason)
        {
            throw new YoloCompressException(DiagnosticCatalog.NoCalibrationImages,
                $"{reason} needs calibration images: give --calib DIR or --calib-list FILE (in a project: <YoloCalibrationImage Include=\"calib/*.jpg\" />)",
                ProjectOrigin(options));
        }
        return candidates.Count == 0 ? [] : CalibrationImages.Choose(candidates, settings.CalibrationCount);
    }

    private static IEnumerable<string> ReadList(string listPath, CompressJob options)
    {
        if (!File.Exists(listPath))
            throw new YoloCompressException(DiagnosticCatalog.CalibrationImageNotFound, $"Calibration list not found: {listPath}", ProjectOrigin(options));
        var folder = Path.GetDirectoryName(listPath)!;
        var lines = File.ReadAllLines(listPath);
        for (var i = 0; i < lines.Length; i++)
        {
            var entry = lines[i].Trim();
            if (entry.Length == 0 || entry.StartsWith('#'))
                continue;
            var image = Path.GetFullPath(Path.Combine(folder, entry));
            if (!File.Exists(image))
            {
                throw new YoloCompressException(DiagnosticCatalog.CalibrationImageNotFound,
                    $"Calibration image not found: {image}", new DiagnosticOrigin(listPath, "calibration list", i + 1));
            }
            yield return image;
        }
    }

    private static DiagnosticOrigin SetOrigin(CompressJob options, string name) => options.Origin is { Length: > 0 } file
        ? new DiagnosticOrigin(Path.GetFullPath(file), $"YoloModel metadata {name}, property YoloCompress{name} or YOLOCOMPRESS_SET")
        : DiagnosticOrigin.CommandLine("--set");

    private static DiagnosticOrigin? ProjectOrigin(CompressJob options) =>
        options.Origin is { Length: > 0 } file ? new DiagnosticOrigin(Path.GetFullPath(file), "project") : null;

    private static DiagnosticOrigin? ModelOrigin(CompressJob options, string modelPath) =>
        ProjectOrigin(options) ?? new DiagnosticOrigin(modelPath, "model");
}
