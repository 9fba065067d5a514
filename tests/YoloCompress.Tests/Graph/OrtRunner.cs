using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace YoloCompress.Tests.Graph;

/// <summary>Runs an in-memory model once with ONNX Runtime (one thread, so results do not depend on the machine).</summary>
internal static class OrtRunner
{
    public static (float[] Data, int[] Shape) Run(ModelProto model, float[] input, int size, int batch = 1)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var tensor = new DenseTensor<float>(input, new[] { batch, 3, size, size });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), tensor) });
        var output = results.First().AsTensor<float>();
        return (output.ToArray(), output.Dimensions.ToArray());
    }

    /// <summary>Runs the model and returns the named tensors (intermediate ones are added as graph outputs).</summary>
    public static Dictionary<string, float[]> RunWithOutputs(ModelProto source, float[] input, int size, params string[] names)
    {
        var model = source.Clone();
        foreach (var name in names.Where(n => model.Graph.Output.All(o => o.Name != n)))
            model.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var tensor = new DenseTensor<float>(input, new[] { 1, 3, size, size });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), tensor) }, names);
        return results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
    }

    /// <summary>A reproducible image-like input in 0..1.</summary>
    public static float[] RandomImage(int size, int seed = 1, int batch = 1)
    {
        var random = new Random(seed);
        var data = new float[batch * 3 * size * size];
        for (int i = 0; i < data.Length; i++) data[i] = (float)random.NextDouble();
        return data;
    }
}
