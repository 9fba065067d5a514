using Onnx;
using TorchSharp;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Torch.Native;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace YoloCompress.Torch.Training;

/// <summary>An ONNX graph executed by torch with autograd: every convolution's weight and bias and every
/// BatchNormalization's scale and shift become trainable parameters (BN stays BN, with its running statistics
/// as buffers), every other initializer and Constant a fixed tensor. Any graph the pruner writes can so be
/// trained, and <see cref="WriteTo"/> puts the trained values back into the same graph structure.</summary>
public sealed class GraphModule : IDisposable
{
    private readonly GraphProto _graph;
    private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Parameter> _parameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _buffers = new(StringComparer.Ordinal);
    private readonly List<NodeProto> _nodes;
    private readonly Dictionary<string, IReadOnlyList<NodeProto>> _plans = new(StringComparer.Ordinal);

    public GraphModule(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        TorchNativeLoader.EnsureLoaded();
        _graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(model));
        _nodes = _graph.Node.Where(n => n.OpType != "Constant").ToList();
        foreach (var node in _graph.Node.Where(n => !OnnxOps.All.ContainsKey(n.OpType) && n.OpType != "Constant"))
            throw OnnxOps.Unsupported(node, $"operator {node.OpType}");

        var trainable = new HashSet<string>(StringComparer.Ordinal);
        var statistics = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in _graph.Node)
        {
            if (node.OpType is "Conv" or "ConvTranspose") trainable.UnionWith(node.Input.Skip(1).Take(2));
            if (node.OpType == "BatchNormalization")
            {
                trainable.UnionWith(node.Input.Skip(1).Take(2));
                statistics.UnionWith(node.Input.Skip(3).Take(2));
            }
        }
        foreach (var init in _graph.Initializer)
        {
            var value = ToTensor(init);
            if (trainable.Contains(init.Name) && value.dtype == ScalarType.Float32) _parameters[init.Name] = Keep(nn.Parameter(value));
            else if (statistics.Contains(init.Name)) _buffers[init.Name] = value;
            else _constants[init.Name] = value;
        }
        foreach (var node in _graph.Node.Where(n => n.OpType == "Constant"))
        {
            var value = OnnxNodes.Attribute(node, "value")?.T ?? throw OnnxOps.Unsupported(node, "a Constant without a tensor 'value'");
            _constants[node.Output[0]] = ToTensor(value);
        }
        var initializers = _graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        InputName = _graph.Input.Select(i => i.Name).First(n => !initializers.Contains(n));
        OutputName = _graph.Output[0].Name;
    }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>Trainable tensors, in the graph's initializer order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters.Values.ToList();

    public IReadOnlyDictionary<string, Parameter> NamedParameters => _parameters;

    /// <summary>Training mode: BatchNorm uses batch statistics and updates its running ones when
    /// <see cref="TrainBatchNormStatistics"/> is set; otherwise (and in eval mode) it uses the running ones.</summary>
    public bool Training { get; private set; }

    /// <summary>Off by default: small CPU batches give noisy batch statistics, so BN keeps the calibrated ones
    /// while its scale and shift still learn.</summary>
    public bool TrainBatchNormStatistics { get; set; }

    /// <summary>Applied to every convolution's weight as it is read (fake quantization hooks in here).</summary>
    public Func<NodeProto, Tensor, Tensor>? WeightTransform { get; set; }

    /// <summary>Applied to every node's float outputs (fake quantization of activations).</summary>
    public Func<string, Tensor, Tensor>? ActivationTransform { get; set; }

    public void Train(bool training = true) => Training = training;

    public void Eval() => Training = false;

    /// <summary>The graph's first output for an NCHW float input.</summary>
    public Tensor Forward(Tensor input) => Forward(input, [OutputName])[OutputName];

    /// <summary>The named tensors (any node outputs); nodes after the last of them are not run.</summary>
    public IReadOnlyDictionary<string, Tensor> Forward(Tensor input, IReadOnlyCollection<string> outputs)
    {
        var values = new Dictionary<string, Tensor>(_constants, StringComparer.Ordinal);
        foreach (var (name, p) in _parameters) values[name] = p;
        foreach (var (name, b) in _buffers) values[name] = b;
        values[InputName] = input;
        var pending = new HashSet<string>(outputs.Where(o => !values.ContainsKey(o)), StringComparer.Ordinal);
        foreach (var node in NodesFor(outputs))
        {
            var args = node.Input.Select(i => i.Length == 0 ? null : values.TryGetValue(i, out var t) ? t
                : throw new InvalidOperationException($"Node '{node.Name}' reads '{i}', which no earlier node produces.")).ToArray();
            var results = OnnxOps.All[node.OpType](node, args, this);
            for (int i = 0; i < node.Output.Count && i < results.Length; i++)
            {
                var y = results[i];
                if (ActivationTransform is not null && y.dtype == ScalarType.Float32) y = ActivationTransform(node.Output[i], y);
                values[node.Output[i]] = y;
                pending.Remove(node.Output[i]);
            }
        }
        if (pending.Count > 0) throw new ArgumentException($"The graph has no tensor named {string.Join(", ", pending.Select(p => $"'{p}'"))}.", nameof(outputs));
        return outputs.ToDictionary(o => o, o => values[o], StringComparer.Ordinal);
    }

    /// <summary>The nodes the outputs depend on, in graph order (the decode after the Detect convs is skipped when
    /// only their outputs are asked for). Cached per set of outputs.</summary>
    private IReadOnlyList<NodeProto> NodesFor(IReadOnlyCollection<string> outputs)
    {
        var key = string.Join("\n", outputs.Order(StringComparer.Ordinal));
        lock (_plans)
        {
            if (_plans.TryGetValue(key, out var cached)) return cached;
            var producer = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
            foreach (var node in _nodes)
                foreach (var output in node.Output) producer[output] = node;
            var needed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
            var stack = new Stack<string>(outputs);
            while (stack.Count > 0)
                if (producer.TryGetValue(stack.Pop(), out var node) && needed.Add(node))
                    foreach (var input in node.Input) stack.Push(input);
            return _plans[key] = _nodes.Where(needed.Contains).ToList();
        }
    }

    internal Tensor Weight(NodeProto node, Tensor weight) => WeightTransform is { } t ? t(node, weight) : weight;

    /// <summary>A copy of <paramref name="model"/> (the graph this module was built from) with the trained
    /// parameters and BN statistics in place of the original initializers; nothing else changes.</summary>
    public ModelProto WriteTo(ModelProto model)
    {
        var copy = model.Clone();
        var inits = copy.Graph.Initializer;
        for (int i = 0; i < inits.Count; i++)
        {
            Tensor? value = _parameters.TryGetValue(inits[i].Name, out var p) ? p : _buffers.GetValueOrDefault(inits[i].Name);
            if (value is null) continue;
            var data = value.detach().contiguous().data<float>().ToArray();
            if (data.Length != OnnxTensors.ElementCount(inits[i]))
                throw new ArgumentException($"Initializer '{inits[i].Name}' has {OnnxTensors.ElementCount(inits[i])} values but the module holds {data.Length}: not the graph this module was built from.", nameof(model));
            inits[i] = OnnxTensors.Float(inits[i].Name, inits[i].Dims.ToArray(), data);
        }
        return copy;
    }

    public void Dispose()
    {
        foreach (var t in _constants.Values.Concat(_buffers.Values).Concat(_parameters.Values)) t.Dispose();
        _constants.Clear();
        _buffers.Clear();
        _parameters.Clear();
    }

    private static T Keep<T>(T tensor) where T : Tensor
    {
        tensor.DetachFromDisposeScope();
        return tensor;
    }

    private static Tensor ToTensor(TensorProto t)
    {
        var dims = t.Dims.ToArray();
        var value = (TensorProto.Types.DataType)t.DataType switch
        {
            TensorProto.Types.DataType.Float => tensor(OnnxTensors.ToFloatArray(t), dims),
            TensorProto.Types.DataType.Int64 => tensor(OnnxTensors.ToInt64Array(t), dims),
            var other => throw new NotSupportedException($"Initializer '{t.Name}' is {other}; the torch executor reads float32 and int64 tensors."),
        };
        return Keep(value);
    }
}
