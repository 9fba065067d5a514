using System.CommandLine;
using YoloCompress.Core.Report;

namespace YoloCompress.Cli.Commands;

/// <summary><c>report OUTDIR [--model MODEL --data DIR]</c>: rebuilds NAME.report.html for every NAME.yolo.json in a
/// folder, without compressing again. Latency is not in NAME.yolo.json, so the rebuilt page points to `bench` for it;
/// with the float model and the validation set it draws the images where the two models disagree most.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("OUTDIR") { Description = "The folder compress wrote (NAME.onnx, NAME.yolo.json)." };
        var model = new Option<string?>("--model") { Description = "The float model that was compressed (with --data: the images where the models disagree)." };
        var data = new Option<string?>("--data") { Description = "The labelled validation set (with --model)." };
        var command = new Command("report", "Rebuild NAME.report.html from NAME.yolo.json, without compressing again.") { folder, model, data };
        command.SetAction(r => CliRun.Guard(() =>
        {
            var (floatModel, validation) = (r.GetValue(model), r.GetValue(data));
            foreach (var metadata in CompressionReport.Find(r.GetValue(folder)!))
            {
                var onnx = metadata[..^".yolo.json".Length] + ".onnx";
                var images = floatModel is { Length: > 0 } && validation is { Length: > 0 } && File.Exists(onnx)
                    ? ModelDisagreement.Find(floatModel, onnx, validation)
                    : null;
                Console.WriteLine(CompressionReport.Write(metadata, disagreements: images));
            }
            return 0;
        }));
        return command;
    }
}
