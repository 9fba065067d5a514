using System.CommandLine;
using YoloCompress.Core.Compress;

namespace YoloCompress.Cli.Commands;

/// <summary>`prune MODEL --ratio R --criterion C --calib DIR -o OUTDIR`: structured channel pruning
/// with recovery, and no quantization. It is `compress` with the pruning settings given as switches
/// and Quantization=none, so the outputs, metadata, budgets and errors are the same.</summary>
internal static class PruneCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An ultralytics .pt checkpoint or an .onnx model from the reference exporter." };
        var ratio = new Option<double>("--ratio") { Description = "Fraction of prunable channels removed (0..0.9). Setting PruneRatio.", Required = true };
        var criterion = new Option<string?>("--criterion") { Description = "l1, l2, bn-scale, activation-mean, activation-variance, activation-variance-weighted, random. Setting PruneCriterion." };
        var scope = new Option<string?>("--scope") { Description = "uniform or global. Setting PruneScope." };
        var roundTo = new Option<int?>("--round-to") { Description = "Kept channel counts rounded to a multiple of this. Setting PruneRoundTo." };
        var noRecovery = new Option<bool>("--no-recovery") { Description = "Skip channel reconstruction and BN re-estimation (Recovery=none)." };
        var calib = new Option<string>("--calib") { Description = "Folder of calibration images (statistics for criteria and recovery).", Required = true };
        var data = new Option<string?>("--data") { Description = "Labelled set for mAP before and after." };
        var set = new Option<string[]>("--set") { Description = "Any other setting: --set PruneOverrides=model.2*=0.3.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Folder for NAME.onnx and NAME.yolo.json.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print a machine-readable summary." };
        var command = new Command("prune", "Remove whole channels (float32 output), with recovery from calibration images.")
            { model, ratio, criterion, scope, roundTo, noRecovery, calib, data, set, output, json };
        command.SetAction((r, cancellation) =>
        {
            var settings = new List<string> { "Quantization=none", FormattableString.Invariant($"PruneRatio={r.GetValue(ratio)}") };
            if (r.GetValue(criterion) is { } c) settings.Add("PruneCriterion=" + c);
            if (r.GetValue(scope) is { } s) settings.Add("PruneScope=" + s);
            if (r.GetValue(roundTo) is { } m) settings.Add(FormattableString.Invariant($"PruneRoundTo={m}"));
            if (r.GetValue(noRecovery)) settings.Add("Recovery=none");
            settings.AddRange(r.GetValue(set) ?? []);
            var job = new CompressJob
            {
                Model = r.GetValue(model)!,
                CalibrationDirectory = r.GetValue(calib),
                ValidationSet = r.GetValue(data),
                Settings = settings,
                OutputDirectory = r.GetValue(output)!,
            };
            var options = new CompressOptions(job, r.GetValue(json));
            return Task.FromResult(CompressReport.Run(new Compressor(), options, r.InvocationConfiguration.Output, r.InvocationConfiguration.Error, cancellation, handleSignals: true));
        });
        return command;
    }
}
