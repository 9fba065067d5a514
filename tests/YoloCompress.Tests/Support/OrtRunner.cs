using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace YoloCompress.Tests.Support;

/// <summary>Runs in-memory models with ONNX Runtime for tests: one intra- and one inter-op thread, so
/// that results do not depend on how many cores the machine has.</summary>
internal static class OrtRunner
{
    /// <summary>The first output for one input of <paramref name="inputShape"/> (by default the model's
    /// input shape, with unknown dimensions as 1).</summary>
    public static (float[] Data, int[] Shape) Run(ModelProto model, float[] input, long[]? inputShape = null,
        GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        var graphInput = model.Graph.Input[0];
        inputShape ??= graphInput.Type.TensorType.Shape.Dim.Select(d => Math.Max(1, d.DimValue)).ToArray();
        using var options = Options(level);
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, inputShape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [graphInput.Name], [value], [session.OutputNames[0]]);
        var shape = Array.ConvertAll(results[0].GetTensorTypeAndShape().Shape, d => checked((int)d));
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), shape);
    }

    /// <summary>Whether ONNX Runtime's uint8 x int8 kernels on this CPU can saturate: on x86-64 without VNNI, MLAS
    /// multiplies with vpmaddubsw, which adds pairs of u8 x s8 products into a saturating int16 (ONNX Runtime's
    /// quantization guide: "AVX2 and AVX512 without VNNI ... may overflow"). Random uniform weights and inputs (the tiny
    /// graphs) hit it often; trained YOLOv5 weights rarely.</summary>
    public static bool IntegerKernelsSaturate { get; } = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture
        == System.Runtime.InteropServices.Architecture.X64 && File.Exists("/proc/cpuinfo")
        && !File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags", StringComparison.Ordinal) && (l.Contains(" avx512_vnni") || l.Contains(" avx_vnni")));

    /// <summary>The output of a QDQ model as its quantization defines it: by ONNX Runtime's fused integer kernels,
    /// or, where those saturate (<see cref="IntegerKernelsSaturate"/>), by the unfused QDQ graph, which computes exactly
    /// what the integer kernels compute without saturation. Tests of the quantizer's accuracy use this, so that they test
    /// the quantizer and not the CPU.</summary>
    public static (float[] Data, int[] Shape) RunQuantized(ModelProto model, float[] input) =>
        Run(model, input, level: IntegerKernelsSaturate ? GraphOptimizationLevel.ORT_DISABLE_ALL : GraphOptimizationLevel.ORT_ENABLE_ALL);

    /// <summary>The first output for a batch of square RGB images (<c>[batch, 3, size, size]</c>).</summary>
    public static (float[] Data, int[] Shape) Run(ModelProto model, float[] input, int size, int batch = 1) =>
        Run(model, input, [batch, 3, size, size]);

    /// <summary>Runs the model and returns the named tensors (intermediate ones are added as graph outputs).</summary>
    public static Dictionary<string, float[]> RunWithOutputs(ModelProto source, float[] input, int size, params string[] names)
    {
        var model = source.Clone();
        foreach (var name in names.Where(n => model.Graph.Output.All(o => o.Name != n)))
            model.Graph.Output.Add(TinyGraph.FloatValue(name));
        using var options = Options(GraphOptimizationLevel.ORT_ENABLE_ALL);
        using var session = new InferenceSession(model.ToByteArray(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, size, size]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [model.Graph.Input[0].Name], [value], names);
        return names.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray());
    }

    /// <summary>Op type counts of the graph ONNX Runtime actually runs (after its optimizers).</summary>
    public static Dictionary<string, int> OptimizedOps(ModelProto model)
    {
        using var temp = new TempFolder();
        var folder = temp.Path;
        var path = Path.Combine(folder, "optimized.onnx");
        using (var options = Options(GraphOptimizationLevel.ORT_ENABLE_ALL))
        {
            options.OptimizedModelFilePath = path;
            using (new InferenceSession(model.ToByteArray(), options)) { }
        }
        var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        return optimized.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>A reproducible input in [0, 1).</summary>
    public static float[] RandomInput(int length, int seed)
    {
        var random = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
        return data;
    }

    /// <summary>A reproducible image-like input in [0, 1) for <c>[batch, 3, size, size]</c>.</summary>
    public static float[] RandomImage(int size, int seed = 1, int batch = 1) => RandomInput(batch * 3 * size * size, seed);

    private static SessionOptions Options(GraphOptimizationLevel level) =>
        new() { GraphOptimizationLevel = level, IntraOpNumThreads = 1, InterOpNumThreads = 1 };
}
