using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Pruning;
using YoloCompress.Runtime;

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
        var criterion = new Option<string>("--criterion") { Description = "Channel ranking (setting PruneCriterion).", DefaultValueFactory = _ => new Core.Profiles.CompressionSettings().PruneCriterion };
        var count = new Option<int>("--calib-count") { Description = "Calibration images used.", DefaultValueFactory = _ => 32 };
        var plot = new Option<string?>("--plot") { Description = "PNG to draw the table into." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("sensitivity", "Per-group pruning sensitivity, and per-layer ratios for a target mAP drop.")
            { model, calib, data, images, ratios, target, criterion, count, plot, json };
        command.SetAction(r => CliRun.Guard(() => Run(r.GetValue(model)!, r.GetValue(calib)!, r.GetValue(data)!, r.GetValue(images),
            r.GetValue(ratios)!, r.GetValue(target), r.GetValue(criterion)!, r.GetValue(count), r.GetValue(plot), r.GetValue(json))));
        return command;
    }

    private static int Run(string modelPath, string calibDir, string dataDir, int imageCount, double[] ratios, double targetDrop,
        string criterion, int calibCount, string? plotPath, bool asJson)
    {
        var source = ModelSource.Load(modelPath);
        var dataset = YoloDataset.Load(dataDir).Subset(imageCount);
        var calibration = CalibrationImages.Letterboxed(CalibrationImages.Select(calibDir, calibCount), 640);
        var pruner = new ChannelPruner(source.WorkingGraph, calibration);
        var options = PruneOptions.FromSettings(new Core.Profiles.CompressionSettings { PruneCriterion = criterion });
        double Evaluate(ModelProto m)
        {
            using var detector = new YoloDetector(BatchNormFolding.Fold(m).ToByteArray());
            return new MapEvaluator().Evaluate(detector, dataset).Map50To95;
        }
        var log = asJson ? null : new Progress<string>(line => Console.Error.WriteLine(line));
        var table = SensitivityAnalysis.Measure(pruner, Evaluate, ratios, options with { MatchStatistics = false }, log);
        var proposal = SensitivityAnalysis.ProposeAndVerify(pruner, table, targetDrop, Evaluate, options, progress: log);
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
