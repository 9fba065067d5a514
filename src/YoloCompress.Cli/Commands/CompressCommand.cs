using System.CommandLine;
using YoloCompress.Core.Compress;
using YoloCompress.Core.Pipeline;

namespace YoloCompress.Cli.Commands;

/// <summary>`dotnet-yolo-compress compress MODEL -o OUTDIR ...`: resolve the profile, choose the
/// calibration images, compress (or reuse a cached result), check budgets, write the outputs.
/// The MSBuild task runs exactly this with --msbuild; its switches are the task's vocabulary.</summary>
public static class CompressCommand
{
    public static Command Create() => Create(CompressionPipeline.Run, handleSignals: true);

    /// <summary>With another compressor in place of the pipeline (tests of the front end). Only the tool's own process
    /// takes over Ctrl+C and SIGTERM (<paramref name="handleSignals"/>): a test host must keep its own.</summary>
    internal static Command Create(Func<CompressionRequest, IProgress<string>?, CancellationToken, CompressionOutcome> compressor, bool handleSignals = false)
    {
        var model = new Argument<string>("MODEL") { Description = "An ultralytics .pt checkpoint or an .onnx model from the reference exporter." };
        var calib = new Option<string?>("--calib") { Description = "Folder of calibration images (searched recursively; sorted; at most CalibrationCount, evenly spaced)." };
        var calibList = new Option<string?>("--calib-list") { Description = "Text file with one calibration image path a line (relative to the file)." };
        var data = new Option<string?>("--data") { Description = "Labelled validation set (images/ and labels/ in YOLO format) for mAP before and after; needed by MaxMapDrop." };
        var profile = new Option<string?>("--profile") { Description = "Profile name: built-in fp16, int8 (default), pruned-int8, pruned-distilled-int8, edge-int8 (int8 at the cheapest input within 2 points; needs --data), or one from yolocompress.json." };
        var config = new Option<string?>("--config") { Description = "Profile file; default ./yolocompress.json when it exists." };
        var set = new Option<string[]>("--set") { Description = "Override one setting: --set PruneRatio=0.1 (repeatable; later wins).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Folder for NAME.onnx and NAME.yolo.json.", Required = true };
        var name = new Option<string?>("--name") { Description = "Base name of the outputs; default the model's file name without extension." };
        var cache = new Option<string?>("--cache") { Description = "Cache folder: a run with the same inputs copies the stored result instead of compressing." };
        var json = new Option<bool>("--json") { Description = "Print a machine-readable summary on standard output." };
        var msbuild = new Option<bool>("--msbuild") { Description = "Print diagnostics in MSBuild's canonical format (FILE(LINE,COL): error YC0001: text)." };
        var ortVersion = new Option<string?>("--onnxruntime-version") { Description = "The Microsoft.ML.OnnxRuntime version the app runs the model with; an error when it is too old." };
        var report = new Option<bool>("--report") { Description = "Write NAME.report.html beside the model, a page for people (on by default).", DefaultValueFactory = _ => true };
        var noReport = new Option<bool>("--no-report") { Description = "Do not write NAME.report.html (and remove a stale one)." };
        var origin = new Option<string?>("--origin") { Description = "File that --set values are attributed to in messages (the build passes the project file).", Hidden = true };

        var command = new Command("compress", "Prune and quantize a YOLOv5 model, check its budgets and write NAME.onnx, NAME.yolo.json and NAME.report.html.");
        command.Arguments.Add(model);
        foreach (var option in new Option[] { calib, calibList, data, profile, config, set, output, name, cache, json, msbuild, ortVersion, report, noReport, origin })
            command.Options.Add(option);

        command.SetAction((parseResult, cancellation) =>
        {
            var job = new CompressJob
            {
                Model = parseResult.GetValue(model)!,
                CalibrationDirectory = parseResult.GetValue(calib),
                CalibrationList = parseResult.GetValue(calibList),
                ValidationSet = parseResult.GetValue(data),
                Profile = parseResult.GetValue(profile),
                ConfigFile = parseResult.GetValue(config),
                Settings = parseResult.GetValue(set) ?? [],
                OutputDirectory = parseResult.GetValue(output)!,
                Name = parseResult.GetValue(name),
                CacheDirectory = parseResult.GetValue(cache),
                OnnxRuntimeVersion = parseResult.GetValue(ortVersion),
                Origin = parseResult.GetValue(origin),
            };
            var configuration = parseResult.InvocationConfiguration;
            var options = new CompressOptions(job, parseResult.GetValue(json), parseResult.GetValue(msbuild),
                Report: parseResult.GetValue(report) && !parseResult.GetValue(noReport));
            return Task.FromResult(CompressReport.Run(new Compressor(compressor), options, configuration.Output, configuration.Error, cancellation, handleSignals));
        });
        return command;
    }
}
