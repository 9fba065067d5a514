using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using YoloCompress.Core.OnnxModel;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Tests.Quantization;

/// <summary>Small ONNX graphs built in code with seeded weights, and ONNX Runtime helpers to run them.</summary>
internal static class TinyModels
{
    public const int Size = 16;

    /// <summary>images [1,3,16,16] -> Conv(3->8, 3x3) -> SiLU (Sigmoid, Mul) -> Conv(8->4, 1x1) -> output0.</summary>
    public static ModelProto ConvSiluConv(int seed = 1)
    {
        var b = new Builder(seed, channels: 3);
        var x = b.ConvSilu("model.0", "images", 3, 8, 3);
        b.Conv("model.1.conv", x, 8, 4, 1, output: "output0");
        return b.Build("output0", 4, Size);
    }

    /// <summary>A C3-like block: Conv+SiLU, a residual Add, a Concat of two branches, an SPPF-like
    /// MaxPool chain with Concat, a final Conv.</summary>
    public static ModelProto ResidualConcatMaxPool(int seed = 2)
    {
        var b = new Builder(seed, channels: 3);
        var a = b.ConvSilu("model.0", "images", 3, 8, 3);
        var c1 = b.ConvSilu("model.1.cv1", a, 8, 8, 1);
        var c2 = b.ConvSilu("model.1.m.0", c1, 8, 8, 3);
        var add = b.Add("model.1.add", c1, c2);
        var side = b.ConvSilu("model.1.cv2", a, 8, 8, 1);
        var cat = b.Concat("model.1.cat", add, side);
        var p = b.ConvSilu("model.2.cv1", cat, 16, 8, 1);
        var m1 = b.MaxPool("model.2.m", p);
        var m2 = b.MaxPool("model.2.m_1", m1);
        var cat2 = b.Concat("model.2.cat", p, m1, m2);
        b.Conv("model.3.conv", cat2, 24, 6, 1, output: "output0");
        return b.Build("output0", 6, Size);
    }

    /// <summary>ConvSiluConv followed by a YOLO-like decode tail: Reshape, Sigmoid, Mul by a constant, Add.</summary>
    public static ModelProto WithDecodeTail(int seed = 3)
    {
        var b = new Builder(seed, channels: 3);
        var x = b.ConvSilu("model.0", "images", 3, 8, 3);
        var logits = b.Conv("model.24.m.0", x, 8, 4, 1);
        b.Initializer(OnnxTensors.Int64("shape", new long[] { 3 }, new long[] { 1, 4, Size * Size }));
        b.Add(Node("Reshape", "model.24.reshape", new[] { logits, "shape" }, new[] { "model.24.reshape" }));
        b.Add(Node("Sigmoid", "model.24.sigmoid", new[] { "model.24.reshape" }, new[] { "model.24.sigmoid" }));
        b.Initializer(OnnxTensors.Float("stride", Array.Empty<long>(), new[] { 8f }));
        b.Add(Node("Mul", "model.24.mul", new[] { "model.24.sigmoid", "stride" }, new[] { "model.24.mul" }));
        b.Add(Node("Add", "model.24.add", new[] { "model.24.mul", "model.24.sigmoid" }, new[] { "output0" }));
        var model = b.Build("output0", 4, Size);
        model.Graph.Output[0].Type.TensorType.Shape = Shape(1, 4, Size * Size);
        return model;
    }

    public static TensorShapeProto Shape(params long[] dims)
    {
        var s = new TensorShapeProto();
        foreach (var d in dims) s.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return s;
    }

    /// <summary>Deterministic pseudo-images in [0, 1].</summary>
    public static IReadOnlyList<float[]> Inputs(int count, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var x = new float[3 * Size * Size];
            for (int i = 0; i < x.Length; i++) x[i] = random.Next(256) / 255f;
            return x;
        }).ToArray();
    }

    /// <summary>Runs a model on one input and returns its first output.</summary>
    public static float[] Run(ModelProto model, float[] input, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var shape = new long[] { 1, 3, Size, Size };
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var results = session.Run(new RunOptions(), new[] { session.InputNames[0] }, new[] { value }, new[] { session.OutputNames[0] });
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Op type counts of the graph ONNX Runtime actually runs (after its optimizers).</summary>
    public static Dictionary<string, int> OptimizedOps(ModelProto model)
    {
        var folder = Support.TestData.NewTempFolder();
        try
        {
            var path = Path.Combine(folder, "optimized.onnx");
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = path, IntraOpNumThreads = 1 })
            using (new InferenceSession(model.ToByteArray(), options)) { }
            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            return optimized.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public static float MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    /// <summary>RMS of the difference over the RMS of the reference's deviation from its mean.</summary>
    public static double RelativeRms(float[] expected, float[] actual)
    {
        double mean = expected.Average();
        double error = expected.Zip(actual, (e, a) => (double)(e - a) * (e - a)).Average();
        double spread = expected.Average(e => (e - mean) * (e - mean));
        return Math.Sqrt(error / spread);
    }

    public static float Range(float[] a) => a.Max() - a.Min();

    internal sealed class Builder(int seed, int channels)
    {
        private readonly Random _random = new(seed);
        private readonly GraphProto _graph = new() { Name = "tiny" };

        public void Add(NodeProto node) => _graph.Node.Add(node);

        public void Initializer(TensorProto t) => _graph.Initializer.Add(t);

        /// <summary>A Conv with seeded weights (He-like scale) and biases; channel c's weights scaled by
        /// (c + 1) / out so that per-channel scales differ.</summary>
        public string Conv(string name, string input, int inChannels, int outChannels, int kernel, string? output = null)
        {
            var w = new float[outChannels * inChannels * kernel * kernel];
            int per = inChannels * kernel * kernel;
            float std = MathF.Sqrt(2f / per);
            for (int i = 0; i < w.Length; i++) w[i] = Gaussian() * std * ((i / per) + 1f) / outChannels * 2f;
            var bias = Enumerable.Range(0, outChannels).Select(_ => Gaussian() * 0.2f).ToArray();
            Initializer(OnnxTensors.Float(name + ".weight", new long[] { outChannels, inChannels, kernel, kernel }, w));
            Initializer(OnnxTensors.Float(name + ".bias", new long[] { outChannels }, bias));
            output ??= name;
            int pad = kernel / 2;
            Add(Node("Conv", name, new[] { input, name + ".weight", name + ".bias" }, new[] { output },
                Ints("kernel_shape", kernel, kernel), Ints("pads", pad, pad, pad, pad), Ints("strides", 1, 1)));
            return output;
        }

        public string ConvSilu(string path, string input, int inChannels, int outChannels, int kernel)
        {
            var conv = Conv(path + ".conv", input, inChannels, outChannels, kernel);
            Add(Node("Sigmoid", path + ".act.sigmoid", new[] { conv }, new[] { path + ".act.sigmoid" }));
            Add(Node("Mul", path + ".act", new[] { conv, path + ".act.sigmoid" }, new[] { path + ".act" }));
            return path + ".act";
        }

        public string Add(string name, string a, string b)
        {
            Add(Node("Add", name, new[] { a, b }, new[] { name }));
            return name;
        }

        public string Concat(string name, params string[] inputs)
        {
            Add(Node("Concat", name, inputs, new[] { name }, Int("axis", 1)));
            return name;
        }

        public string MaxPool(string name, string input)
        {
            Add(Node("MaxPool", name, new[] { input }, new[] { name },
                Ints("kernel_shape", 5, 5), Ints("pads", 2, 2, 2, 2), Ints("strides", 1, 1)));
            return name;
        }

        public ModelProto Build(string output, int outChannels, int size)
        {
            _graph.Input.Add(Value("images", 1, channels, size, size));
            _graph.Output.Add(Value(output, 1, outChannels, size, size));
            var model = new ModelProto { IrVersion = 8, ProducerName = "tiny", Graph = _graph };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
            return model;
        }

        private static ValueInfoProto Value(string name, params long[] dims) => new()
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = Shape(dims) } },
        };

        private float Gaussian()
        {
            double u1 = 1 - _random.NextDouble(), u2 = _random.NextDouble();
            return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }
}
