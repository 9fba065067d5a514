using Microsoft.Build.Utilities;

namespace YoloCompress.Build.Tasks;

/// <summary>One compressor run as the build sees it, and the command line it becomes. Both tasks
/// build the command line here: PrepareYoloModels stores it as the model's stamp (a changed
/// setting changes the stamp, which makes the model stale) and CompressYoloModel runs it.</summary>
internal sealed record CompressorInvocation
{
    public required string CompressorPath { get; init; }
    public required string ModelPath { get; init; }
    public required string OutputDirectory { get; init; }
    public required string Name { get; init; }
    public string? CalibrationList { get; init; }
    public string? ValidationSet { get; init; }
    public string? Profile { get; init; }
    public string? ConfigFile { get; init; }
    public string? CacheDirectory { get; init; }
    public string? OnnxRuntimeVersion { get; init; }
    public string? ProjectFile { get; init; }

    /// <summary>Whether the compressor writes NAME.report.html; the default adds no switch, so stamps of builds that
    /// leave YoloCompressReport alone stay as they were.</summary>
    public bool Report { get; init; } = true;

    /// <summary>Name=Value in order: item metadata (with project-wide properties as their defaults), then YOLOCOMPRESS_SET.</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>The arguments after `dotnet exec`: the compressor, `compress` and its switches.</summary>
    public string ToCommandLine()
    {
        var builder = new CommandLineBuilder(quoteHyphensOnCommandLine: false, useNewLineSeparator: false);
        builder.AppendSwitch("exec");
        builder.AppendFileNameIfNotNull(CompressorPath);
        builder.AppendSwitch("compress");
        builder.AppendFileNameIfNotNull(ModelPath);
        builder.AppendSwitchIfNotNull("-o ", OutputDirectory);
        builder.AppendSwitchIfNotNull("--name ", Name);
        builder.AppendSwitchIfNotNull("--calib-list ", Empty(CalibrationList));
        builder.AppendSwitchIfNotNull("--data ", Empty(ValidationSet));
        builder.AppendSwitchIfNotNull("--profile ", Empty(Profile));
        builder.AppendSwitchIfNotNull("--config ", Empty(ConfigFile));
        builder.AppendSwitchIfNotNull("--cache ", Empty(CacheDirectory));
        builder.AppendSwitchIfNotNull("--onnxruntime-version ", Empty(OnnxRuntimeVersion));
        foreach (var setting in Settings)
            builder.AppendSwitchIfNotNull("--set ", setting);
        if (!Report)
            builder.AppendSwitch("--no-report");
        builder.AppendSwitchIfNotNull("--origin ", Empty(ProjectFile));
        builder.AppendSwitch("--msbuild");
        return builder.ToString();
    }

    private static string? Empty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
