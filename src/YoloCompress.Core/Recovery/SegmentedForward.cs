using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Recovery;

/// <summary>Runs a model segment by segment over a fixed set of images, keeping every tensor that crosses
/// from one segment to a later one, so that a wave-by-wave correction pays for one forward pass in all instead
/// of one per wave from the input. Segment s holds the nodes whose inputs have matched depth s (see
/// <see cref="BatchNormReestimation.Waves"/>): it can run once waves up to s are corrected, and it produces
/// wave s+1. A correction is an affine map per channel of a wave tensor, so it is applied to the kept values
/// as well as folded into the weights, and later segments read corrected inputs. Memory: the crossing tensors
/// of the images, for the few images BN matching uses.</summary>
internal sealed class SegmentedForward
{
    private readonly ModelProto _model;
    private readonly List<List<NodeProto>> _segments;
    private readonly HashSet<string> _initializers;
    private readonly Dictionary<string, int> _lastUse = new();
    private readonly Dictionary<string, (float[][] Values, long[] Shape)> _kept = new();
    private readonly int _threads;
    private readonly Dictionary<string, NodeProto> _constants = new();
    private readonly int _images;

    /// <param name="needed">Tensors whose values are wanted: only their ancestors run.</param>
    /// <param name="segmentOf">Each node's segment (its inputs' matched depth).</param>
    public SegmentedForward(ModelProto model, IReadOnlyCollection<string> needed, Func<NodeProto, int> segmentOf,
        IReadOnlyList<float[]> images, int threads)
    {
        _model = model;
        _threads = threads;
        _initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet();
        var ancestors = Ancestors(model.Graph, needed);
        // Nodes fed only by weights (Constant, shape arithmetic) are repeated in every segment that reads them,
        // so that only float activations cross segments.
        bool IsConstant(NodeProto n) => n.Input.All(i => i.Length == 0 || _initializers.Contains(i) || _constants.ContainsKey(i));
        foreach (var node in model.Graph.Node.Where(ancestors.Contains).Where(IsConstant))
            foreach (var o in node.Output) _constants[o] = node;
        var computed = model.Graph.Node.Where(n => ancestors.Contains(n) && !IsConstantNode(n)).ToList();
        int count = computed.Count == 0 ? 0 : computed.Max(segmentOf) + 1;
        _segments = Enumerable.Range(0, count).Select(_ => new List<NodeProto>()).ToList();
        foreach (var node in computed) _segments[segmentOf(node)].Add(node);
        for (int s = 0; s < count; s++)
            foreach (var read in _segments[s].SelectMany(n => n.Input)) _lastUse[read] = s;
        var producerSegment = computed.SelectMany(n => n.Output.Select(o => (o, segmentOf(n)))).ToDictionary(p => p.o, p => p.Item2);
        // A wanted tensor is kept at least until the caller has read it, before the next segment runs.
        foreach (var name in needed)
            _lastUse[name] = Math.Max(_lastUse.GetValueOrDefault(name, -1), producerSegment.GetValueOrDefault(name, -1) + 1);
        var input = model.Graph.Input.First(i => !_initializers.Contains(i.Name));
        // One shape for every image: a per-image-shape model is re-estimated on images of one size (see the pipeline).
        var shape = images.Count > 0 ? ImageTensorShape.For(input, images[0]) : [1];
        if (images.Any(i => !ImageTensorShape.For(input, i).SequenceEqual(shape)))
            throw new ArgumentException("Segmented forward passes need every image at one shape.", nameof(images));
        _kept[input.Name] = (images.ToArray(), shape);
        _images = images.Count;
    }

    private bool IsConstantNode(NodeProto node) => node.Output.Any(_constants.ContainsKey);

    public int SegmentCount => _segments.Count;

    /// <summary>Runs segment <paramref name="s"/> on every image (the model's weights as they are now) and keeps
    /// what later segments or the caller need; drops what no later segment reads.</summary>
    public void Run(int s)
    {
        var nodes = _segments[s];
        if (nodes.Count == 0) return;
        nodes = ConstantsFeeding(nodes).Concat(nodes).ToList();
        var produced = nodes.SelectMany(n => n.Output).ToHashSet();
        var inputs = nodes.SelectMany(n => n.Input).Where(i => i.Length > 0 && !produced.Contains(i) && !_initializers.Contains(i)).Distinct().ToArray();
        var outputs = produced.Where(o => _lastUse.TryGetValue(o, out var last) && last > s).Order(StringComparer.Ordinal).ToArray();
        if (outputs.Length == 0) return;
        using var session = Session(nodes, inputs, outputs);
        using var runOptions = new RunOptions();
        int images = _images;
        var values = outputs.Select(_ => new float[images][]).ToArray();
        var shapes = new long[outputs.Length][];
        for (int image = 0; image < images; image++)
        {
            var feeds = inputs.Select(name => OrtValue.CreateTensorValueFromMemory(_kept[name].Values[image], _kept[name].Shape)).ToArray();
            try
            {
                using var results = session.Run(runOptions, inputs, feeds, outputs);
                for (int o = 0; o < outputs.Length; o++)
                {
                    var info = results[o].GetTensorTypeAndShape();
                    if (info.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
                        throw new NotSupportedException($"tensor '{outputs[o]}' crosses a segment but is {info.ElementDataType}, not float.");
                    shapes[o] = info.Shape;
                    values[o][image] = results[o].GetTensorDataAsSpan<float>().ToArray();
                }
            }
            finally
            {
                foreach (var feed in feeds) feed.Dispose();
            }
        }
        for (int o = 0; o < outputs.Length; o++) _kept[outputs[o]] = (values[o], shapes[o]);
        var dropped = _kept.Keys.Where(k => _lastUse.GetValueOrDefault(k, -1) <= s).ToList();
        foreach (var name in dropped) _kept.Remove(name);
        // The kept arrays are large-object-heap blocks, collected only by full collections: without one, the
        // working set would hold every segment's dropped activations.
        if (dropped.Count > 0) GC.Collect();
    }

    /// <summary>The kept values of a tensor, image by image, and its shape.</summary>
    public (float[][] Values, long[] Shape) this[string tensor] => _kept[tensor];

    /// <summary>Applies scale * x + shift per channel (axis 1) to a kept tensor, as its producer's correction does.</summary>
    public void Correct(string tensor, double[] scale, double[] shift)
    {
        var (values, shape) = _kept[tensor];
        int channels = (int)shape[1];
        foreach (var image in values)
        {
            int plane = image.Length / (int)(shape[0] * channels);
            for (int i = 0; i < image.Length; i++)
            {
                int c = i / plane % channels;
                image[i] = (float)(image[i] * scale[c] + shift[c]);
            }
        }
    }

    /// <summary>The constant nodes the segment reads, directly or through other constants, in graph order.</summary>
    private IEnumerable<NodeProto> ConstantsFeeding(List<NodeProto> nodes)
    {
        var found = new HashSet<NodeProto>();
        var stack = new Stack<string>(nodes.SelectMany(n => n.Input));
        while (stack.Count > 0)
            if (_constants.TryGetValue(stack.Pop(), out var node) && found.Add(node))
                foreach (var i in node.Input) stack.Push(i);
        return _model.Graph.Node.Where(found.Contains);
    }

    private InferenceSession Session(List<NodeProto> nodes, string[] inputs, string[] outputs)
    {
        var graph = new GraphProto { Name = "segment" };
        graph.Node.AddRange(nodes);
        var used = nodes.SelectMany(n => n.Input).ToHashSet();
        graph.Initializer.AddRange(_model.Graph.Initializer.Where(i => used.Contains(i.Name)));
        graph.Input.AddRange(inputs.Select(Float));
        graph.Output.AddRange(outputs.Select(Float));
        var model = new ModelProto { IrVersion = _model.IrVersion, Graph = graph };
        model.OpsetImport.AddRange(_model.OpsetImport);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = _threads,
            // One session a segment: an arena per session would keep each segment's peak until the process ends.
            EnableCpuMemArena = false,
        };
        return new InferenceSession(model.ToByteArray(), options);
    }

    private static ValueInfoProto Float(string name) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
    };

    private static HashSet<NodeProto> Ancestors(GraphProto graph, IEnumerable<string> outputs)
    {
        var producers = new Dictionary<string, NodeProto>();
        foreach (var node in graph.Node)
            foreach (var o in node.Output) producers[o] = node;
        var found = new HashSet<NodeProto>();
        var stack = new Stack<string>(outputs);
        while (stack.Count > 0)
        {
            if (!producers.TryGetValue(stack.Pop(), out var node) || !found.Add(node)) continue;
            foreach (var input in node.Input) stack.Push(input);
        }
        return found;
    }
}
