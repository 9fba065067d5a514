using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace YoloCompress.Build.Tasks;

/// <summary>Runs the compressor for one model as a child process: `dotnet exec
/// tools/compressor/dotnet-yolo-compress.dll compress ... --msbuild`. ONNX Runtime, native image
/// libraries, memory and crashes stay out of the MSBuild node. The compressor's canonical lines
/// become real MSBuild errors and warnings with their YC codes; its summary line is logged at high
/// importance.</summary>
public sealed class CompressYoloModel : ToolTask
{
    /// <summary>A model prepared by <see cref="PrepareYoloModels"/>; its YoloCompressCommandLine metadata is the
    /// compressor's command line (the same text as its stamp).</summary>
    [Required]
    public ITaskItem? Model { get; set; }

    /// <summary>The project file, where messages without a file of their own point.</summary>
    [Required]
    public string ProjectFile { get; set; } = "";

    /// <summary>The dotnet host that runs the compressor; default DOTNET_HOST_PATH (set by the SDK), then dotnet on PATH.</summary>
    public string? DotNetHostPath { get; set; }

    /// <summary>The dotnet host: the compressor runs as <c>dotnet exec dotnet-yolo-compress.dll</c>.</summary>
    protected override string ToolName => OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    /// <summary>High: the compressor's summary is the build's one line about the model.</summary>
    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.High;

    /// <summary>Normal: progress and other detail, shown at <c>-v:n</c>.</summary>
    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    /// <summary>Runs the compressor for <see cref="Model"/>, yielding the node meanwhile.</summary>
    /// <returns>False when an error was logged, from the compressor or about running it.</returns>
    public override bool Execute()
    {
        // Other projects may build while this one compresses.
        YieldDuringToolExecution = true;
        base.Execute();
        return !Log.HasLoggedErrors;
    }

    /// <summary>Fails with YC0041 unless <see cref="Model"/> was prepared by <see cref="PrepareYoloModels"/>.</summary>
    protected override bool ValidateParameters()
    {
        if (Model is null || string.IsNullOrEmpty(Model.GetMetadata("YoloCompressCommandLine")))
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.CompressorNotFound, ProjectFile, "CompressYoloModel needs a model prepared by PrepareYoloModels");
            return false;
        }
        return true;
    }

    /// <summary><see cref="DotNetHostPath"/>, else DOTNET_HOST_PATH, else dotnet on PATH (YC0041 when none exists).</summary>
    protected override string GenerateFullPathToTool()
    {
        foreach (var candidate in new[] { DotNetHostPath, Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
                return candidate;
        }
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (folder.Length > 0 && File.Exists(Path.Combine(folder, ToolName)))
                return Path.Combine(folder, ToolName);
        }
        BuildDiagnostics.Error(Log, BuildDiagnostics.CompressorNotFound, ProjectFile, "Cannot find the dotnet host to run the compressor; set DOTNET_HOST_PATH or YoloCompressDotNetHostPath");
        return ToolName;
    }

    /// <summary>The model's YoloCompressCommandLine metadata, written by <see cref="PrepareYoloModels"/>.</summary>
    protected override string GenerateCommandLineCommands() => Model!.GetMetadata("YoloCompressCommandLine");

    /// <summary>A canonical line becomes an MSBuild error or warning with its YC code and file (the
    /// project file when the line names none); any other line is logged as a message.</summary>
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (CanonicalMessage.TryParse(singleLine) is not { } message)
        {
            Log.LogMessage(messageImportance, singleLine);
            return;
        }
        var file = message.File ?? ProjectFile;
        if (message.IsError)
            Log.LogError(null, message.Code, null, file, message.Line, message.Column, 0, 0, message.Text);
        else
            Log.LogWarning(null, message.Code, null, file, message.Line, message.Column, 0, 0, message.Text);
    }

    /// <summary>A non-zero exit without an error of its own becomes YC0042, naming the model.</summary>
    protected override bool HandleTaskExecutionErrors()
    {
        if (!Log.HasLoggedErrors)
        {
            BuildDiagnostics.Error(Log, BuildDiagnostics.CompressorFailed, ProjectFile,
                $"The compressor exited with code {ExitCode} for YoloModel '{Model?.ItemSpec}' without describing the error; run the build with -v:n to see its output");
        }
        return false;
    }
}
