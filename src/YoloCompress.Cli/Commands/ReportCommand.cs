using System.CommandLine;
using YoloCompress.Core.Report;

namespace YoloCompress.Cli.Commands;

/// <summary><c>report OUTDIR</c>: rebuilds NAME.report.html for every NAME.yolo.json in a folder, without
/// compressing again. Latency is not in NAME.yolo.json, so the rebuilt page points to `bench` for it.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("OUTDIR") { Description = "The folder compress wrote (NAME.onnx, NAME.yolo.json)." };
        var command = new Command("report", "Rebuild NAME.report.html from NAME.yolo.json, without compressing again.") { folder };
        command.SetAction(r => CliRun.Guard(() =>
        {
            foreach (var page in CompressionReport.WriteAll(r.GetValue(folder)!))
                Console.WriteLine(page);
            return 0;
        }));
        return command;
    }
}
