using Onnx;
using YoloCompress.Core.OnnxModel;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Tests.Support;

/// <summary>Builds tiny NCHW models node by node in the working-graph style (nodes and initializers named
/// like ultralytics modules, SiLU as Sigmoid + Mul) with seeded random weights, tracking each tensor's
/// channel count. Input <c>images [1, channels, size, size]</c>; outputs are declared with <see cref="Output"/>.</summary>
internal sealed class TinyGraph
{
    private readonly Random _random;
    private readonly Dictionary<string, int> _channels = new();

    public TinyGraph(int channels = 3, int size = 16, int seed = 1)
    {
        _random = new Random(seed);
        Size = size;
        InputChannels = channels;
        Model = new ModelProto { IrVersion = 8, ProducerName = "YoloCompress.Tests", Graph = new GraphProto { Name = "tiny" } };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        Model.Graph.Input.Add(FloatValue("images", 1, channels, size, size));
        _channels["images"] = channels;
    }

    public ModelProto Model { get; }

    public int Size { get; }

    public int InputChannels { get; }

    public GraphProto Graph => Model.Graph;

    public int Channels(string tensor) => _channels[tensor];

    /// <summary>Conv (+ BN + SiLU) like ultralytics' Conv module at path <paramref name="path"/>, uniform
    /// weights; without BN the conv has a bias. Returns its output.</summary>
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

    /// <summary>A BN-folded Conv node <paramref name="name"/> (same padding, stride 1) with Gaussian weights
    /// (He-like scale) and biases; output channel c's weights are scaled by (c + 1) / out, so that
    /// per-channel quantization scales differ.</summary>
    public string FoldedConv(string name, string input, int cout, int k, string? output = null)
    {
        int cin = _channels[input];
        var w = new float[cout * cin * k * k];
        int per = cin * k * k;
        float std = MathF.Sqrt(2f / per);
        for (int i = 0; i < w.Length; i++) w[i] = Gaussian() * std * ((i / per) + 1f) / cout * 2f;
        var bias = Enumerable.Range(0, cout).Select(_ => Gaussian() * 0.2f).ToArray();
        Graph.Initializer.Add(OnnxTensors.Float(name + ".weight", [cout, cin, k, k], w));
        Graph.Initializer.Add(OnnxTensors.Float(name + ".bias", [cout], bias));
        return Add(Node("Conv", name, [input, name + ".weight", name + ".bias"], [output ?? name],
            Ints("kernel_shape", k, k), Ints("pads", k / 2, k / 2, k / 2, k / 2), Ints("strides", 1, 1)), cout);
    }

    /// <summary><see cref="FoldedConv"/> at <c>{path}.conv</c> followed by SiLU at <c>{path}.act</c>.</summary>
    public string FoldedConvSilu(string path, string input, int cout, int k) =>
        Silu(path, FoldedConv(path + ".conv", input, cout, k), cout);

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

    /// <summary>Declares a float graph output, with its shape when <paramref name="dims"/> are given.</summary>
    public void Output(string tensor, params long[] dims) => Graph.Output.Add(FloatValue(tensor, dims));

    /// <summary>A seeded random input in [0, 1) for the model's input.</summary>
    public float[] Input(int seed) => OrtRunner.RandomInput(InputChannels * Size * Size, seed);

    public static long ParameterCount(ModelProto model) =>
        model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).Sum(OnnxTensors.ElementCount);

    /// <summary>A float tensor's value info; its shape only when <paramref name="dims"/> are given.</summary>
    public static ValueInfoProto FloatValue(string name, params long[] dims)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float };
        if (dims.Length > 0)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in dims) tensor.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
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
        return act ? Silu(path, x, cout) : x;
    }

    private string Silu(string path, string x, int channels)
    {
        Add(Node("Sigmoid", $"{path}.act.sigmoid", [x], [$"{path}.act.sigmoid"]), channels);
        return Add(Node("Mul", $"{path}.act", [x, $"{path}.act.sigmoid"], [$"{path}.act"]), channels);
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

    private float Gaussian()
    {
        double u1 = 1 - _random.NextDouble(), u2 = _random.NextDouble();
        return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
