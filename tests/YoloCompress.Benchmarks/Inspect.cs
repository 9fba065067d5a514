using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace YoloCompress.Benchmarks;

/// <summary>Development aid: what ONNX Runtime actually runs for a model (op counts after its
/// optimizers) and where the time goes (its profiler, one thread).</summary>
internal static class Inspect
{
    private const int Runs = 30;

    public static int Run(string[] args)
    {
        var path = args[0];
        var optimized = Path.ChangeExtension(path, ".optimized.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized, IntraOpNumThreads = 1 })
        using (new InferenceSession(path, options)) { }
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized));
        foreach (var g in model.Graph.Node.GroupBy(n => n.OpType).OrderByDescending(g => g.Count()))
            Console.WriteLine($"{g.Key,-24} {g.Count()}");
        if (args.Contains("--profile"))
        {
            using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1, EnableProfiling = true, ProfileOutputPathPrefix = Path.ChangeExtension(path, null) + "-profile" };
            using var session = new InferenceSession(path, options);
            var input = new float[3 * 640 * 640];
            for (int i = 0; i < input.Length; i++) input[i] = (i % 251) / 250f;
            using var value = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, 3, 640, 640 });
            for (int r = 0; r < Runs; r++)
                using (session.Run(new RunOptions(), new[] { session.InputNames[0] }, new[] { value }, session.OutputNames)) { }
            var file = session.EndProfiling();
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            var byOp = new Dictionary<string, double>();
            var byNode = new Dictionary<string, double>();
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time")) continue;
                var op = e.GetProperty("args").GetProperty("op_name").GetString()!;
                byOp[op] = byOp.GetValueOrDefault(op) + e.GetProperty("dur").GetDouble() / 1000.0 / Runs;
                var node = op + " " + e.GetProperty("name").GetString()!.Replace("_kernel_time", "");
                byNode[node] = byNode.GetValueOrDefault(node) + e.GetProperty("dur").GetDouble() / 1000.0 / Runs;
            }
            foreach (var (op, ms) in byOp.OrderByDescending(p => p.Value)) Console.WriteLine($"  {op,-24} {ms,8:0.00} ms/run");
            Console.WriteLine($"  total {byOp.Values.Sum():0.00} ms/run");
            foreach (var (node, ms) in byNode.OrderByDescending(p => p.Value).Take(int.Parse(args.SkipWhile(a => a != "--top").Skip(1).FirstOrDefault() ?? "0")))
                Console.WriteLine($"    {node,-60} {ms,8:0.000}");
        }
        return 0;
    }
}
