using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pruning;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Tests.Pruning;

/// <summary>Builds tiny NCHW models node by node in the working-graph style (Conv, BN, SiLU as Sigmoid+Mul,
/// named like ultralytics modules) with seeded random weights, and runs them in ONNX Runtime.</summary>
internal sealed class TinyModel
{
    private readonly Random _random;
    private readonly Dictionary<string, int> _channels = new();

    public TinyModel(int channels = 3, int size = 16, int seed = 1)
    {
        _random = new Random(seed);
        Size = size;
        InputChannels = channels;
        Model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "tiny" } };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        Model.Graph.Input.Add(Info("images", 1, channels, size, size));
        _channels["images"] = channels;
    }

    public ModelProto Model { get; }

    public int Size { get; }

    public int InputChannels { get; }

    public GraphProto Graph => Model.Graph;

    public int Channels(string tensor) => _channels[tensor];

    /// <summary>Conv (+ BN + SiLU) like ultralytics' Conv module at path <paramref name="path"/>; returns its output.</summary>
    public string Conv(string path, string input, int cout, int k = 3, int stride = 1, int group = 1, bool bn = true, bool act = true)
    {
        int cin = _channels[input];
        var weight = Initializer($"{path}.conv.weight", [cout, cin / group, k, k], 1.0 / Math.Sqrt(cin / group * k * k));
        var inputs = new List<string> { input, weight };
        if (!bn) inputs.Add(Initializer($"{path}.conv.bias", [cout], 0.5));
        Add(Node("Conv", $"{path}.conv", inputs, [$"{path}.conv"], Ints("kernel_shape", k, k),
            Ints("strides", stride, stride), Ints("pads", k / 2, k / 2, k / 2, k / 2), Int("group", group)), cout);
        return Finish(path, $"{path}.conv", cout, bn, act);
    }

    /// <summary>ConvTranspose (+ BN + SiLU), weight [Cin, Cout/g, k, k].</summary>
    public string ConvTranspose(string path, string input, int cout, int k = 2, int stride = 2, int group = 1, int pad = 0, bool bn = true, bool act = true)
    {
        int cin = _channels[input];
        var weight = Initializer($"{path}.conv.weight", [cin, cout / group, k, k], 1.0 / Math.Sqrt(cin / group));
        var inputs = new List<string> { input, weight };
        if (!bn) inputs.Add(Initializer($"{path}.conv.bias", [cout], 0.5));
        Add(Node("ConvTranspose", $"{path}.conv", inputs, [$"{path}.conv"], Ints("kernel_shape", k, k),
            Ints("strides", stride, stride), Ints("pads", pad, pad, pad, pad), Int("group", group)), cout);
        return Finish(path, $"{path}.conv", cout, bn, act);
    }

    public string Binary(string op, string name, string a, string b) => Add(Node(op, name, [a, b], [name]), _channels[a]);

    public string Concat(string name, params string[] inputs) =>
        Add(Node("Concat", name, inputs, [name], Int("axis", 1)), inputs.Sum(i => _channels[i]));

    public string[] Split(string name, string input, params long[] sizes)
    {
        var splitName = name + ".sizes";
        Graph.Initializer.Add(OnnxTensors.Int64(splitName, [sizes.Length], sizes));
        var outputs = sizes.Select((_, i) => $"{name}:{i}").ToArray();
        Graph.Node.Add(Node("Split", name, [input, splitName], outputs, Int("axis", 1)));
        for (int i = 0; i < sizes.Length; i++) _channels[outputs[i]] = (int)sizes[i];
        return outputs;
    }

    public string MaxPool(string name, string input, int k = 5) =>
        Add(Node("MaxPool", name, [input], [name], Ints("kernel_shape", k, k), Ints("strides", 1, 1),
            Ints("pads", k / 2, k / 2, k / 2, k / 2)), _channels[input]);

    public string Resize(string name, string input, float scale = 2)
    {
        Graph.Initializer.Add(OnnxTensors.Float(name + ".scales", [4], [1f, 1f, scale, scale]));
        return Add(Node("Resize", name, [input, "", name + ".scales"], [name], String("mode", "nearest")), _channels[input]);
    }

    public string Op(string op, string name, string input, params AttributeProto[] attributes) =>
        Add(Node(op, name, [input], [name], attributes), _channels.GetValueOrDefault(input));

    public void Output(string tensor) => Graph.Output.Add(new ValueInfoProto
    {
        Name = tensor,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
    });

    /// <summary>A seeded random input in [0, 1).</summary>
    public float[] Input(int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, InputChannels * Size * Size).Select(_ => (float)r.NextDouble()).ToArray();
    }

    public static float[] RandomInput(int length, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)r.NextDouble()).ToArray();
    }

    public static float[] Run(ModelProto model, float[] input, out long[] shape)
    {
        using var session = new InferenceSession(model.ToByteArray());
        var dims = model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => Math.Max(1, d.DimValue)).ToArray();
        using var value = OrtValue.CreateTensorValueFromMemory(input, dims);
        using var results = session.Run(new RunOptions(), [model.Graph.Input[0].Name], [value], [model.Graph.Output[0].Name]);
        shape = results[0].GetTensorTypeAndShape().Shape;
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public static float[] Run(ModelProto model, float[] input) => Run(model, input, out _);

    public static long ParameterCount(ModelProto model) =>
        model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).Sum(OnnxTensors.ElementCount);

    /// <summary>Zeroes channels of a group in every producer (conv rows, depthwise rows, BN gamma/beta, biases),
    /// so they carry exactly zero after SiLU.</summary>
    public static void ZeroChannels(ModelProto model, PruningGroup group, IReadOnlyCollection<int> channels)
    {
        var index = new GraphIndex(model.Graph);
        foreach (var m in group.Members)
        {
            var node = model.Graph.Node.First(n => n.Name == m.Node);
            var zeroPositions = m.Positions.Where((_, i) => channels.Contains(m.Indices[i])).ToHashSet();
            switch (m.Role)
            {
                case MemberRole.ConvOutput or MemberRole.Depthwise:
                    bool axis1 = node.OpType == "ConvTranspose" && m.Role == MemberRole.ConvOutput;
                    ZeroAlong(model, index, node.Input[1], axis1 ? 1 : 0, zeroPositions);
                    if (node.Input.Count > 2) ZeroAlong(model, index, node.Input[2], 0, zeroPositions);
                    break;
                case MemberRole.BatchNorm:
                    ZeroAlong(model, index, node.Input[1], 0, zeroPositions);
                    ZeroAlong(model, index, node.Input[2], 0, zeroPositions);
                    break;
            }
        }
    }

    private static void ZeroAlong(ModelProto model, GraphIndex index, string name, int axis, HashSet<int> positions)
    {
        var t = index.Initializer(name)!;
        var data = OnnxTensors.ToFloatArray(t);
        var dims = t.Dims.ToArray();
        long outer = dims.Take(axis).Aggregate(1L, (a, b) => a * b), inner = dims.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        for (long o = 0; o < outer; o++)
            foreach (var p in positions)
                Array.Clear(data, (int)((o * dims[axis] + p) * inner), (int)inner);
        var replacement = OnnxTensors.Float(name, dims, data);
        int i = model.Graph.Initializer.IndexOf(t);
        model.Graph.Initializer[i] = replacement;
    }

    private string Finish(string path, string x, int cout, bool bn, bool act)
    {
        if (bn)
        {
            var names = new[] { "weight", "bias", "running_mean", "running_var" }.Select(p => $"{path}.bn.{p}").ToArray();
            Graph.Initializer.Add(OnnxTensors.Float(names[0], [cout], Enumerable.Range(0, cout).Select(_ => (float)(0.5 + _random.NextDouble())).ToArray()));
            Graph.Initializer.Add(OnnxTensors.Float(names[1], [cout], Enumerable.Range(0, cout).Select(_ => (float)(_random.NextDouble() - 0.5)).ToArray()));
            Graph.Initializer.Add(OnnxTensors.Float(names[2], [cout], Enumerable.Range(0, cout).Select(_ => (float)(0.2 * (_random.NextDouble() - 0.5))).ToArray()));
            Graph.Initializer.Add(OnnxTensors.Float(names[3], [cout], Enumerable.Range(0, cout).Select(_ => (float)(0.5 + _random.NextDouble())).ToArray()));
            x = Add(Node("BatchNormalization", $"{path}.bn", [x, .. names], [$"{path}.bn"], Float("epsilon", 1e-3f)), cout);
        }
        if (!act) return x;
        Add(Node("Sigmoid", $"{path}.act.sigmoid", [x], [$"{path}.act.sigmoid"]), cout);
        return Add(Node("Mul", $"{path}.act", [x, $"{path}.act.sigmoid"], [$"{path}.act"]), cout);
    }

    private string Add(NodeProto node, int channels)
    {
        Graph.Node.Add(node);
        _channels[node.Output[0]] = channels;
        return node.Output[0];
    }

    private string Initializer(string name, long[] dims, double scale)
    {
        long n = dims.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        for (long i = 0; i < n; i++) data[i] = (float)((_random.NextDouble() * 2 - 1) * scale);
        Graph.Initializer.Add(OnnxTensors.Float(name, dims, data));
        return name;
    }

    private static ValueInfoProto Info(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
