using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace YoloCompress.Benchmarks;

/// <summary>Development aid: what ONNX Runtime actually runs for a model (op counts after its
/// optimizers) and where the time goes (its profiler, one thread). With several models, their profiled
/// runs are interleaved (one run of each in turn), so load on a shared machine falls on all alike and
/// the breakdowns can be compared line by line.</summary>
internal static class Inspect
{
    private const int Runs = 30;

    public static int Run(string[] args)
    {
        var paths = args.TakeWhile(a => !a.StartsWith("--")).ToArray();
        int threads = int.Parse(Value(args, "--threads") ?? "1");
        foreach (var path in paths) PrintOps(path);
        if (!args.Contains("--profile")) return 0;

        // The prefix before EnableProfiling: setting it turns profiling on with the prefix it has then
        // (set after, the profiles land in the working folder under ORT's default name).
        var sessions = paths.Select(path => new InferenceSession(path, new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads,
            ProfileOutputPathPrefix = Path.ChangeExtension(path, null) + "-profile", EnableProfiling = true,
        })).ToArray();
        var input = new float[3 * 640 * 640];
        for (int i = 0; i < input.Length; i++) input[i] = (i % 251) / 250f;
        using var value = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, 3, 640, 640 });
        for (int r = 0; r < Runs; r++)
            foreach (var session in sessions)
                using (session.Run(new RunOptions(), new[] { session.InputNames[0] }, new[] { value }, session.OutputNames)) { }
        var byNode = sessions.Select(s => NodeTimes(s.EndProfiling())).ToArray();
        foreach (var s in sessions) s.Dispose();

        for (int m = 0; m < paths.Length; m++)
        {
            Console.WriteLine($"== {paths[m]}: {byNode[m].Values.Sum():0.00} ms/run in kernels ({threads} thread(s), {Runs} runs interleaved)");
            foreach (var g in byNode[m].GroupBy(p => p.Key.Split(' ')[0]).OrderByDescending(g => g.Sum(p => p.Value)))
                Console.WriteLine($"  {g.Key,-24} {g.Sum(p => p.Value),8:0.00} ms/run");
            foreach (var g in byNode[m].GroupBy(p => Category(p.Key)).OrderByDescending(g => g.Sum(p => p.Value)))
                Console.WriteLine($"  [{g.Key,-22}] {g.Sum(p => p.Value),8:0.00} ms/run ({g.Count()} nodes)");
            foreach (var (node, ms) in byNode[m].OrderByDescending(p => p.Value).Take(int.Parse(Value(args, "--top") ?? "0")))
                Console.WriteLine($"    {node,-60} {ms,8:0.000}");
        }
        return 0;
    }

    private static void PrintOps(string path)
    {
        var optimized = Path.ChangeExtension(path, ".optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized, IntraOpNumThreads = 1 })
        using (new InferenceSession(path, options)) { }
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized));
        Console.WriteLine(path + ":");
        foreach (var g in model.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()))
            Console.WriteLine($"  {g.Key,-24} {g.Count()}");
    }

    /// <summary>"OpType name" -> mean kernel milliseconds per run, from an ORT profile file.</summary>
    private static Dictionary<string, double> NodeTimes(string profileFile)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(profileFile));
        var byNode = new Dictionary<string, double>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time")) continue;
            var node = e.GetProperty("args").GetProperty("op_name").GetString()! + " " + e.GetProperty("name").GetString()!.Replace("_kernel_time", "");
            byNode[node] = byNode.GetValueOrDefault(node) + e.GetProperty("dur").GetDouble() / 1000.0 / Runs;
        }
        return byNode;
    }

    /// <summary>The breakdown docs/results/quantization.md quotes: "OpType name" of a profiled node -> what it is for.</summary>
    private static string Category(string node)
    {
        var (op, name) = (node.Split(' ')[0], node[(node.IndexOf(' ') + 1)..]);
        if (name.Contains(".decode") || name == "output0") return "decode tail";
        if (op is "QLinearSigmoid" or "QLinearMul" && name.Contains(".act")) return "SiLU (8-bit)";
        if (op.StartsWith("QLinear") || op == "NhwcMaxPool") return op == "QLinearConv" ? "integer conv" : "integer other";
        if (op is "QuantizeLinear" or "DequantizeLinear") return "Q/DQ";
        if (op is "Transpose" or "ReorderInput" or "ReorderOutput") return "layout";
        if (op is "Conv" or "FusedConv") return "float conv";
        if (op is "QuickGelu" || name.Contains(".act")) return "SiLU (float)";
        return "float other";
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
