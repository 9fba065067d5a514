using System.CommandLine;
using YoloCompress.Runtime;

namespace YoloCompress.Cli.Commands;

/// <summary><c>bench MODEL</c>: ONNX Runtime latency on a fixed input.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<string[]>("MODEL") { Description = "One or more .onnx models (or .pt checkpoints); several are measured in one run, side by side.", Arity = ArgumentArity.OneOrMore };
        var runs = new Option<int>("--runs") { Description = "Timed runs.", DefaultValueFactory = _ => 50 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs first.", DefaultValueFactory = _ => 5 };
        var threads = new Option<int[]>("--threads") { Description = "Intra-op thread counts to measure.", DefaultValueFactory = _ => new[] { 1 }, AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("bench", "ONNX Runtime latency: median and p90.") { model, runs, warmup, threads, json };
        command.SetAction(r => CliRun.Guard(() => Run(r.GetValue(model)!, r.GetValue(runs), r.GetValue(warmup), r.GetValue(threads)!, r.GetValue(json))));
        return command;
    }

    private static int Run(string[] models, int runs, int warmup, int[] threadCounts, bool asJson)
    {
        if (runs < 1) throw new ArgumentException("--runs must be at least 1.");
        var rows = new List<object>();
        var loaded = models.Select(m => (Path: m, Bytes: ModelInput.OnnxBytes(m))).ToArray();
        // Interleave models within each thread count so that machine noise hits them alike.
        foreach (var threads in threadCounts)
            foreach (var (path, bytes) in loaded)
            {
                var r = LatencyBenchmark.Measure(bytes, threads, runs, warmup);
                rows.Add(new { model = path, threads, medianMs = Math.Round(r.MedianMs, 2), p90Ms = Math.Round(r.P90Ms, 2), meanMs = Math.Round(r.MeanMs, 2), runs });
                if (!asJson)
                    Console.WriteLine(FormattableString.Invariant($"{path,-40} threads {threads}: median {r.MedianMs,7:F2} ms  p90 {r.P90Ms,7:F2} ms  ({runs} runs)"));
            }
        if (asJson) CliRun.WriteJson(rows);
        return 0;
    }
}
