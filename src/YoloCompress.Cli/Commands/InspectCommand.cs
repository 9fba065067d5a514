using System.CommandLine;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Quantization;

namespace YoloCompress.Cli.Commands;

/// <summary><c>inspect MODEL</c>: what a model is made of.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "A .pt checkpoint or an .onnx model." };
        var size = new Option<string?>("--img") { Description = "Input size for FLOPs: 640, 640x384 or dynamic[:640]; default the model's." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var runtime = new Option<bool>("--runtime")
        {
            Description = "Also open the model in ONNX Runtime (CPU, all optimizations) and report what it runs: integer kernels, float nodes, Q/DQ, Transposes, float islands.",
        };
        var command = new Command("inspect", "Layers, parameters, FLOPs, classes and size of a model.") { model, size, json, runtime };
        command.SetAction(r => CliRun.Guard(() => Run(r.GetValue(model)!, r.GetValue(size), r.GetValue(json), r.GetValue(runtime))));
        return command;
    }

    private static int Run(string path, string? inputSize, bool asJson, bool withRuntime)
    {
        var source = ModelSource.Load(path, inputSize is null ? null : InputSizeSetting.Parse(inputSize));
        var folded = source.Folded();
        var stats = ModelStatistics.Compute(folded);
        var names = source.Checkpoint?.Names ?? ClassNamesOf(folded);
        var opCounts = folded.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count());
        var layers = source.Checkpoint?.Architecture.Layers.Select(l => l.ToString()).ToArray();
        var runtime = withRuntime ? RuntimeGraphReport.Analyze(OnnxSerializer.Serialize(folded)) : null;
        var report = new
        {
            file = Path.GetFileName(path),
            bytes = new FileInfo(path).Length,
            kind = source.IsCheckpoint ? "ultralytics checkpoint" : "onnx",
            inputSize = source.Geometry.ToString(),
            parameters = stats.Parameters,
            gflops = Math.Round(stats.GigaFlops, 3),
            classes = names.Count,
            names,
            nodes = folded.Graph.Node.Count,
            ops = opCounts,
            layers,
            runtime,
        };
        if (asJson)
        {
            CliRun.WriteJson(report);
            return 0;
        }
        Console.WriteLine($"{report.file}  ({report.kind}, {report.bytes:N0} bytes)");
        if (layers is not null)
        {
            Console.WriteLine("layers:");
            foreach (var layer in layers) Console.WriteLine("  " + layer);
        }
        Console.WriteLine($"parameters: {stats.Parameters:N0} (BatchNorm folded)");
        Console.WriteLine($"FLOPs at {source.Geometry}: {stats.GigaFlops:F2} G");
        Console.WriteLine($"graph: {report.nodes} nodes ({string.Join(", ", opCounts.Select(kv => $"{kv.Key} {kv.Value}"))})");
        if (runtime is not null) PrintRuntime(runtime);
        Console.WriteLine($"classes ({names.Count}): {string.Join(", ", names.Take(12))}{(names.Count > 12 ? ", ..." : "")}");
        return 0;
    }

    private static void PrintRuntime(RuntimeGraphReport runtime)
    {
        Console.WriteLine($"ONNX Runtime (CPU): {runtime}");
        foreach (var node in runtime.LayoutNodes) Console.WriteLine("  " + node);
        foreach (var island in runtime.FloatIslands) Console.WriteLine($"  float island: {island.OpType} {island.Node}");
    }

    private static IReadOnlyList<string> ClassNamesOf(Onnx.ModelProto model)
    {
        var repr = ModelMetadata.Get(model, ModelMetadata.NamesKey);
        if (repr is null) return Array.Empty<string>();
        var parsed = YoloCompress.Runtime.ClassNames.Parse(repr);
        return parsed.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToArray();
    }
}
