using System.CommandLine;
using System.Diagnostics;
using YoloCompress.Core.Initialization;

namespace YoloCompress.Cli.Commands;

/// <summary><c>init --arch yolov5s -o yolov5s.pt</c>: a random-initialised checkpoint of a standard architecture.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var arch = new Option<string>("--arch") { Description = "The architecture: " + string.Join(", ", StandardArchitectures.Names) + ".", Required = true };
        arch.AcceptOnlyFromAmong(StandardArchitectures.Names.ToArray());
        var output = new Option<string>("--output", "-o") { Description = "The .pt file to write.", Required = true };
        var classes = new Option<int>("--classes") { Description = "Number of classes (nc).", DefaultValueFactory = _ => 80 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights; the same seed gives the same file.", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("init", "Write a random-initialised YOLOv5 checkpoint (ultralytics' format, fp16) to measure a model size without its weights.")
            { arch, output, classes, seed, json };
        command.SetAction(r => CliRun.Guard(() => Run(r.GetValue(arch)!, r.GetValue(output)!, r.GetValue(classes), r.GetValue(seed), r.GetValue(json))));
        return command;
    }

    private static int Run(string arch, string path, int classes, int seed, bool asJson)
    {
        var clock = Stopwatch.StartNew();
        var written = CheckpointInitializer.Write(arch, path, classes, seed);
        if (asJson)
            CliRun.WriteJson(new { written.Path, written.Architecture, written.Classes, written.Seed, written.Parameters, written.Bytes, written.TrainingImageSize, seconds = Math.Round(clock.Elapsed.TotalSeconds, 3) });
        else
            Console.WriteLine($"wrote {path}: {arch}, {classes} classes, seed {seed}, {written.Parameters:N0} parameters, {written.Bytes:N0} bytes, trained at {written.TrainingImageSize} ({clock.Elapsed.TotalSeconds:F1} s)");
        return 0;
    }
}
