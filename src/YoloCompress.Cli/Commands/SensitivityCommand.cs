using System.CommandLine;
using System.Globalization;
using YoloCompress.Core.Compress;

namespace YoloCompress.Cli.Commands;

/// <summary>`sensitivity MODEL --calib DIR --data DIR`: what pruning each dependency group alone costs
/// in mAP, as a table and a plot, and per-group ratios that meet a target drop (checked by measurement).</summary>
internal static class SensitivityCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An ultralytics .pt checkpoint or an .onnx model." };
        var calib = new Option<string>("--calib") { Description = "Folder of calibration images.", Required = true };
        var data = new Option<string>("--data") { Description = "Labelled set the drops are measured on.", Required = true };
        var images = new Option<int>("--images") { Description = "Labelled images used per trial (evenly spaced).", DefaultValueFactory = _ => 32 };
        var ratios = new Option<double[]>("--ratios") { Description = "Ratios tried per group.", DefaultValueFactory = _ => new[] { 0.1, 0.25, 0.5 }, AllowMultipleArgumentsPerToken = true };
        var target = new Option<double>("--target-drop") { Description = "mAP@0.5:0.95 drop the proposed ratios must stay within (0.02 = two points).", DefaultValueFactory = _ => 0.02 };
        var criterion = new Option<string?>("--criterion") { Description = "Channel ranking (setting PruneCriterion; default the setting's)." };
        var count = new Option<int>("--calib-count") { Description = "Calibration images used (setting CalibrationCount).", DefaultValueFactory = _ => 32 };
        var set = new Option<string[]>("--set") { Description = "Any other setting: --set InputSize=320, --set PruneProtect=model.24*.", Arity = ArgumentArity.OneOrMore };
        var plot = new Option<string?>("--plot") { Description = "PNG to draw the table into." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("sensitivity", "Per-group pruning sensitivity, and per-layer ratios for a target mAP drop.")
            { model, calib, data, images, ratios, target, criterion, count, set, plot, json };
        command.SetAction(r => CliRun.Guard(() =>
        {
            var settings = new List<string> { FormattableString.Invariant($"CalibrationCount={r.GetValue(count)}") };
            if (r.GetValue(criterion) is { } c) settings.Add("PruneCriterion=" + c);
            settings.AddRange(r.GetValue(set) ?? []);
            var job = new CompressJob
            {
                Model = r.GetValue(model)!, CalibrationDirectory = r.GetValue(calib), ValidationSet = r.GetValue(data),
                Settings = settings, OutputDirectory = Directory.GetCurrentDirectory(),
            };
            var question = new SensitivityQuestion(r.GetValue(images), r.GetValue(ratios)!, r.GetValue(target));
            return Print(SensitivityStudy.Run(job, question, r.GetValue(json) ? null : new Progress<string>(Console.Error.WriteLine)),
                question.TargetDrop, r.GetValue(plot), r.GetValue(json));
        }));
        return command;
    }

    private static int Print(SensitivityAnswer answer, double targetDrop, string? plotPath, bool asJson)
    {
        var (table, proposal) = answer;
        if (plotPath is not null) SensitivityPlot.Write(table, plotPath);
        if (asJson)
        {
            CliRun.WriteJson(new
            {
                baseline = table.Baseline, ratios = table.Ratios,
                groups = table.Rows.Select(row => new { row.Group, row.Channels, row.Drops, macsSaved = row.MacsSaved }),
                proposal = new { targetDrop, proposal.MeasuredDrop, macsFraction = proposal.MacsAfter / (double)proposal.MacsBefore, overrides = proposal.ToOverrides() },
            });
            return 0;
        }
        Console.WriteLine(table.ToText());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"proposal for a {targetDrop:0.###} drop: measured {proposal.MeasuredDrop:0.0000}, MACs {proposal.MacsAfter / (double)proposal.MacsBefore:P1} of the unpruned"));
        Console.WriteLine("use it: --set PruneOverrides=\"" + string.Join(';', proposal.ToOverrides()) + "\"");
        return 0;
    }
}
