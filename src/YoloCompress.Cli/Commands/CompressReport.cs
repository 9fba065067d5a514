using System.Globalization;
using System.Text.Json;
using YoloCompress.Core.Budgets;
using YoloCompress.Core.Compress;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Recovery;

namespace YoloCompress.Cli.Commands;

/// <summary>What `compress` prints: diagnostics (for people, or canonical for MSBuild), progress on
/// standard error, one summary line, and with --json a summary object for scripts.</summary>
internal sealed class CompressReport(CompressOptions options, TextWriter output, TextWriter error) : ICompressObserver
{
    private const string ToolName = "dotnet-yolo-compress";

    private readonly List<Diagnostic> _diagnostics = [];
    private CompressionRequest? _request;
    private ResolvedProfile? _profile;
    private string? _cacheKey;

    /// <summary>Runs the job, printing as it goes; returns the exit code. With <paramref name="handleSignals"/> (the tool's
    /// own process), Ctrl+C and SIGTERM cancel the run (<see cref="SignalCancellation"/>).</summary>
    public static int Run(Compressor compressor, CompressOptions options, TextWriter output, TextWriter error, CancellationToken cancellation, bool handleSignals)
    {
        var report = new CompressReport(options, output, error);
        using var signals = new SignalCancellation(cancellation, handleSignals);
        var result = compressor.Run(options.Job, report, signals.Token);
        var code = report.Finish(result);
        // Cancelled by a signal (the run reported it in one line): the shell's code for that signal.
        return code != 0 && signals.ExitCode is { } signalled ? signalled : code;
    }

    public void CacheKey(string key) => _cacheKey = key;

    public void Bug(Exception exception) => error.WriteLine(exception.ToString());

    public void Begin(CompressionRequest request, ResolvedProfile profile)
    {
        _request = request;
        _profile = profile;
        Progress($"{request.OutputName}: profile {profile.Name} ({string.Join(" <- ", profile.Chain)}), {request.CalibrationImages.Count} calibration images");
    }

    public void Progress(string line)
    {
        if (!options.Json || options.MsBuild)
            error.WriteLine(line);
    }

    public void Report(Diagnostic diagnostic)
    {
        _diagnostics.Add(diagnostic);
        // MSBuild reads both streams; canonical lines on standard output keep their order with the summary.
        if (options.MsBuild)
            output.WriteLine(diagnostic.ToCanonicalString(ToolName));
        else
            error.WriteLine(diagnostic.Origin?.File is { } file ? $"{diagnostic.Origin.ToCanonicalLocation(ToolName)}: {diagnostic}" : diagnostic.ToString());
    }

    /// <summary>Prints the summary and returns the exit code: 1 when any error was reported.</summary>
    private int Finish(CompressResult result)
    {
        var (outcome, cached, written) = result;
        var success = written is not null && _diagnostics.All(d => d.Severity != DiagnosticSeverity.Error);
        var page = success ? ReportPage.Write(written!, options, Report, Progress) : null;
        success = success && _diagnostics.All(d => d.Severity != DiagnosticSeverity.Error);
        var runtime = success ? RuntimeOf(written!) : null;
        if (runtime is not null) Progress($"ONNX Runtime (CPU) runs {Path.GetFileName(written!.OnnxPath)} as: {runtime}");
        if (options.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(Summary(outcome, cached, written, success, runtime, page), CliRun.Json));
        }
        else if (outcome is not null && _request is not null)
        {
            // The page's path on the summary line: the one line a build shows per model, so the place to find it.
            output.WriteLine(SummaryLine(_request.OutputName, Describe(_profile?.Name, _request.Settings), outcome, cached, page));
        }
        return success ? 0 : 1;
    }

    /// <summary>"yolov5n (int8): 7.3 MB -> 2.0 MB, mAP@0.5:0.95 0.356 -> 0.349, latency 41.2 -> 25.3 ms (0.61x (0.58-0.66), interleaved);
    /// report OUT/yolov5n.report.html",
    /// " (cached)" at the end when the cache answered.</summary>
    public static string SummaryLine(string name, string? profile, CompressionOutcome outcome, bool cached, string? page = null)
    {
        var (before, after) = (outcome.Before, outcome.After);
        var text = $"{name} ({profile}): {BudgetCheck.FormatSize(before.FileBytes)} -> {BudgetCheck.FormatSize(after.FileBytes)}"
            + $", mAP@0.5:0.95 {Number(before.Map50To95, "0.000")} -> {Number(after.Map50To95, "0.000")}"
            + $", latency {Number(before.LatencyMs, "0.0")} -> {Number(after.LatencyMs, "0.0")} ms"
            + (outcome.Latency is { } pair ? $" ({pair}, interleaved)" : "")
            + (page is null ? "" : $"; report {page}");
        return cached ? text + " (cached)" : text;
    }

    /// <summary>"int8", or "pruned-int8: int8, 5% pruned" when the profile name alone does not say what was done.</summary>
    private static string Describe(string? profile, CompressionSettings settings)
    {
        var done = settings.Quantization.Mode == QuantizationMode.None ? "float32" : settings.Quantization.Mode.ToSettingName();
        if (settings.Prunes)
            done += settings.Pruning.TargetFlops is { } flops
                ? string.Create(CultureInfo.InvariantCulture, $", pruned to {flops:0.##%} of the FLOPs")
                : string.Create(CultureInfo.InvariantCulture, $", {settings.Pruning.Ratio:0.##%} pruned");
        if (settings.Prunes && settings.Recovery.Method == RecoveryMethod.Distill) done += ", distilled";
        return profile is null || profile == done ? done : $"{profile}: {done}";
    }

    private static string Number(double? value, string format) =>
        value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    /// <summary>What the runtime fused, for quantized outputs only: opening a session costs about a second,
    /// and for a float model there is nothing to check. Kept out of .yolo.json, which stays byte-identical.</summary>
    private RuntimeGraphReport? RuntimeOf(CompressionOutcome written)
    {
        if (_request?.Settings.Quantization.Mode is not { } mode || mode == QuantizationMode.None || !File.Exists(written.OnnxPath))
            return null;
        try
        {
            return RuntimeGraphReport.Analyze(File.ReadAllBytes(written.OnnxPath));
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            // The output is written and was validated by the pipeline; this view of it is extra, so it is told, not fatal.
            Progress($"could not read what ONNX Runtime runs for {written.OnnxPath}: {e.Message}");
            return null;
        }
    }

    private object Summary(CompressionOutcome? outcome, bool cached, CompressionOutcome? written, bool success, RuntimeGraphReport? runtime, string? page) => new
    {
        success,
        name = _request?.OutputName,
        profile = _profile?.Name,
        profileChain = _profile?.Chain,
        settings = _profile is null ? (JsonElement?)null : JsonDocument.Parse(_profile.ToCanonicalJson()).RootElement,
        cacheKey = _cacheKey,
        cached,
        calibrationImages = _request?.CalibrationImages,
        onnx = written?.OnnxPath,
        metadata = written?.MetadataPath,
        report = page,
        before = outcome?.Before,
        after = outcome?.After,
        latency = outcome?.Latency is { } pair ? new { ratio = Math.Round(pair.Ratio, 3), low = Math.Round(pair.RatioLow, 3), high = Math.Round(pair.RatioHigh, 3), rounds = pair.First.Runs, threads = pair.First.Threads } : null,
        runtime,
        diagnostics = _diagnostics.Select(d => new
        {
            code = d.Code,
            severity = d.Severity == DiagnosticSeverity.Error ? "error" : "warning",
            message = d.Message,
            file = d.Origin?.File,
            line = d.Origin?.Line,
        }),
    };
}
