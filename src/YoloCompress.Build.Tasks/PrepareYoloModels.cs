using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace YoloCompress.Build.Tasks;

/// <summary>The fast half of the build integration, run on every build: checks every YoloModel and
/// calibration image (missing files fail in milliseconds with a code, before any compressor
/// starts), writes each model's calibration list and stamp (only when their content changed, so
/// timestamps stay put), and tells which models are stale. A model is stale when an output is
/// missing or older than any input: the model file, a calibration image, the validation set,
/// yolocompress.json, the compressor, or the stamp (the whole command line: profile, settings,
/// versions).</summary>
public sealed class PrepareYoloModels : Microsoft.Build.Utilities.Task
{
    /// <summary>The &lt;YoloModel&gt; items (MODEL).</summary>
    [Required]
    public ITaskItem[] Models { get; set; } = [];

    /// <summary>The &lt;YoloCalibrationImage&gt; items, shared by every model (--calib-list).</summary>
    public ITaskItem[] CalibrationImages { get; set; } = [];

    /// <summary>The project file: where errors point, and what settings are attributed to (--origin).</summary>
    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>Folder for outputs, lists and stamps, under obj/ (-o).</summary>
    [Required]
    public string IntermediateDirectory { get; set; } = "";

    /// <summary>The compressor: tools/compressor/dotnet-yolo-compress.dll in the package.</summary>
    [Required]
    public string CompressorPath { get; set; } = "";

    /// <summary>A profile that replaces every model's Profile (YOLOCOMPRESS_PROFILE, for CI) (--profile).</summary>
    public string? ProfileOverride { get; set; }

    /// <summary>"Name=Value;..." applied after every model's own settings (YOLOCOMPRESS_SET) (--set).</summary>
    public string? ExtraSettings { get; set; }

    /// <summary>The profile file; used when it exists (--config).</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The shared compression cache; empty for none (--cache).</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>The app's Microsoft.ML.OnnxRuntime version, when it has one (--onnxruntime-version).</summary>
    public string? OnnxRuntimeVersion { get; set; }

    /// <summary>Whether the compressor writes NAME.report.html beside the outputs, in obj/ (false: --no-report).</summary>
    public bool Report { get; set; } = true;

    /// <summary>Every model with YoloCompressName, YoloCompressOnnxFile, YoloCompressMetadataFile, YoloCompressReportFile
    /// (empty without <see cref="Report"/>), YoloCompressCommandLine and YoloCompressStale (true/false) added.</summary>
    [Output]
    public ITaskItem[] PreparedModels { get; private set; } = [];

    /// <summary>Lists and stamps written (for FileWrites, so clean removes them).</summary>
    [Output]
    public ITaskItem[] FilesWritten { get; private set; } = [];

    /// <summary>Checks the items, writes the lists and stamps, and sets <see cref="PreparedModels"/> and <see cref="FilesWritten"/>.</summary>
    /// <returns>False when an item or setting was wrong (an error with its YC code was logged).</returns>
    public override bool Execute()
    {
        var projectDirectory = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;
        var outputDirectory = Path.GetFullPath(Path.Combine(projectDirectory, IntermediateDirectory));
        if (!File.Exists(CompressorPath))
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.CompressorNotFound, ProjectFile,
                $"The compressor {CompressorPath} does not exist; restore the YoloCompress.Build package again or set YoloCompressCompressorPath");
            return false;
        }

        var images = CheckCalibrationImages(projectDirectory);
        var configFile = string.IsNullOrWhiteSpace(ConfigFile) ? null : Path.GetFullPath(Path.Combine(projectDirectory, ConfigFile));
        if (configFile is not null && !File.Exists(configFile))
            configFile = null;

        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var prepared = new List<ITaskItem>();
        var written = new List<ITaskItem>();
        foreach (var model in Models)
        {
            var modelPath = Path.GetFullPath(Path.Combine(projectDirectory, model.ItemSpec));
            var name = YoloModelItem.ModelName(model);
            if (!CheckModel(model, modelPath, name, names))
                continue;

            var validationSet = ValidationSet(model, projectDirectory);
            var calibrationList = Path.Combine(outputDirectory, name + ".calibration.txt");
            var invocation = new CompressorInvocation
            {
                CompressorPath = Path.GetFullPath(CompressorPath),
                ModelPath = modelPath,
                OutputDirectory = outputDirectory,
                Name = name,
                CalibrationList = images.Count > 0 ? calibrationList : null,
                ValidationSet = validationSet,
                Profile = string.IsNullOrWhiteSpace(ProfileOverride) ? model.GetMetadata(YoloModelItem.Profile) : ProfileOverride,
                ConfigFile = configFile,
                CacheDirectory = CacheDirectory,
                OnnxRuntimeVersion = OnnxRuntimeVersion,
                Report = Report,
                ProjectFile = Path.GetFullPath(ProjectFile),
                Settings = [.. YoloModelItem.Settings(model), .. YoloModelItem.ParseExtraSettings(ExtraSettings)],
            };
            if (Log.HasLoggedErrors)
                continue;

            var stamp = Path.Combine(outputDirectory, name + ".stamp");
            WriteIfChanged(stamp, invocation.ToCommandLine());
            written.Add(new TaskItem(stamp));
            if (images.Count > 0)
            {
                WriteIfChanged(calibrationList, string.Join("\n", images) + "\n");
                written.Add(new TaskItem(calibrationList));
            }

            var onnx = Path.Combine(outputDirectory, name + ".onnx");
            var metadata = Path.Combine(outputDirectory, name + ".yolo.json");
            var page = Report ? Path.Combine(outputDirectory, name + ".report.html") : null;
            var inputs = new List<string> { modelPath, stamp, invocation.CompressorPath };
            if (images.Count > 0)
                inputs.Add(calibrationList);
            inputs.AddRange(images);
            if (configFile is not null)
                inputs.Add(configFile);
            if (validationSet is not null)
                inputs.AddRange(Directory.EnumerateFiles(validationSet, "*", SearchOption.AllDirectories));

            var item = new TaskItem(model);
            item.SetMetadata("YoloCompressName", name);
            item.SetMetadata("YoloCompressOnnxFile", onnx);
            item.SetMetadata("YoloCompressMetadataFile", metadata);
            item.SetMetadata("YoloCompressReportFile", page ?? "");
            item.SetMetadata("YoloCompressCommandLine", invocation.ToCommandLine());
            item.SetMetadata("YoloCompressStale", IsStale(inputs, page is null ? [onnx, metadata] : [onnx, metadata, page]) ? "true" : "false");
            prepared.Add(item);
        }

        PreparedModels = prepared.ToArray();
        FilesWritten = written.ToArray();
        return !Log.HasLoggedErrors;
    }

    private List<string> CheckCalibrationImages(string projectDirectory)
    {
        var images = new List<string>();
        foreach (var image in CalibrationImages)
        {
            var path = Path.GetFullPath(Path.Combine(projectDirectory, image.ItemSpec));
            if (File.Exists(path))
                images.Add(path);
            else
                BuildDiagnostics.Error(Log, BuildDiagnostics.CalibrationImageNotFound, ProjectFile, $"YoloCalibrationImage '{image.ItemSpec}' does not exist ({path})");
        }
        images.Sort(StringComparer.Ordinal);
        return images;
    }

    private bool CheckModel(ITaskItem model, string modelPath, string name, Dictionary<string, string> names)
    {
        if (!File.Exists(modelPath))
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.ModelNotFound, ProjectFile, $"YoloModel '{model.ItemSpec}' does not exist ({modelPath})");
            return false;
        }
        var extension = Path.GetExtension(modelPath);
        if (!extension.Equals(".pt", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.UnsupportedModel, ProjectFile, $"YoloModel '{model.ItemSpec}' is neither a .pt checkpoint nor an .onnx model");
            return false;
        }
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/') || name.Contains('\\'))
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.InvalidOutputName, ProjectFile, $"YoloModel '{model.ItemSpec}' has the name '{name}', which cannot be a file name; set Name=\"...\"");
            return false;
        }
        if (names.TryGetValue(name, out var other))
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.InvalidOutputName, ProjectFile,
                $"YoloModel '{model.ItemSpec}' and '{other}' are both named '{name}'; give one a different Name=\"...\"");
            return false;
        }
        names[name] = model.ItemSpec;
        return true;
    }

    private string? ValidationSet(ITaskItem model, string projectDirectory)
    {
        var value = model.GetMetadata(YoloModelItem.ValidationSet);
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var path = Path.GetFullPath(Path.Combine(projectDirectory, value.Trim()));
        if (!Directory.Exists(path))
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.ValidationSetInvalid, ProjectFile, $"The validation set '{value}' of YoloModel '{model.ItemSpec}' does not exist ({path})");
            return null;
        }
        return path;
    }

    internal static bool IsStale(IEnumerable<string> inputs, IEnumerable<string> outputs)
    {
        var oldestOutput = DateTime.MaxValue;
        foreach (var output in outputs)
        {
            if (!File.Exists(output))
                return true;
            var time = File.GetLastWriteTimeUtc(output);
            if (time < oldestOutput)
                oldestOutput = time;
        }
        return inputs.Any(input => File.GetLastWriteTimeUtc(input) > oldestOutput);
    }

    /// <summary>Writes only when the content differs, so an unchanged stamp keeps its timestamp.</summary>
    internal static void WriteIfChanged(string path, string content)
    {
        if (File.Exists(path) && File.ReadAllText(path) == content)
            return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
