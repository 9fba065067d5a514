using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Graph;

/// <summary>Size and cost of an ONNX model, counted the way ultralytics reports them, for any graph made of
/// the usual ops (ours, the reference exporter's, or a quantized QDQ model).</summary>
/// <param name="Parameters">Elements of the Conv/ConvTranspose weights and biases and of the BatchNormalization
/// scales and biases, each initializer once, followed through DequantizeLinear / Identity / Cast to the stored
/// tensor. yolov5n folded: 1,867,405; unfolded: 1,872,157 (torch's counts).</param>
/// <param name="Flops">2 x multiply-accumulates of every Conv and ConvTranspose for one image at
/// <paramref name="InputHeight"/> x <paramref name="InputWidth"/>.</param>
public sealed record ModelStatistics(long Parameters, long Flops, int InputHeight, int InputWidth)
{
    public double GigaFlops => Flops / 1e9;

    /// <summary>Counts parameters and FLOPs. <paramref name="inputSize"/> is needed only when the input's
    /// height and width are symbolic; shapes are propagated from the input through the graph.</summary>
    public static ModelStatistics Compute(ModelProto model, int? inputSize = null)
    {
        var graph = model.Graph;
        var index = new GraphIndex(graph);
        var shapes = ShapeInference.Infer(graph, inputSize ?? LargestSide(model));
        var imageInput = graph.Input.FirstOrDefault(i => !index.IsInitializer(i.Name))
                         ?? throw new ArgumentException("The model has no input.");
        var inputShape = shapes.GetValueOrDefault(imageInput.Name) ?? throw new ArgumentException($"Input '{imageInput.Name}' has no shape.");
        if (inputSize is { } size && inputShape.Length == 4 && (inputShape[2] != size || inputShape[3] != size))
            throw new ArgumentException($"The model's input '{imageInput.Name}' is fixed at {inputShape[2]}x{inputShape[3]}; it cannot be measured at {size}.", nameof(inputSize));

        var counted = new HashSet<string>(StringComparer.Ordinal);
        long parameters = 0, macs = 0;
        foreach (var node in graph.Node)
        {
            int[] weightInputs = node.OpType switch
            {
                "Conv" or "ConvTranspose" => new[] { 1, 2 },
                "BatchNormalization" => new[] { 1, 2 },
                "MatMul" => new[] { 1 },
                // A Linear's bias: the Add right after a MatMul by a stored weight (the TransformerBlock's layers).
                "Add" when index.Producer(node.Input[0]) is { OpType: "MatMul" } mm && StoredTensor(mm.Input[1], index) is not null => new[] { 1 },
                _ => Array.Empty<int>(),
            };
            foreach (var i in weightInputs)
            {
                if (i >= node.Input.Count || node.Input[i].Length == 0) continue;
                if (StoredTensor(node.Input[i], index) is { } stored && counted.Add(stored.Name))
                    parameters += OnnxTensors.ElementCount(stored);
            }
            if (node.OpType is "Conv" or "ConvTranspose") macs += ConvMacs(node, shapes, index);
            if (node.OpType == "MatMul") macs += MatMulMacs(node, shapes);
        }
        return new ModelStatistics(parameters, 2 * macs, (int)inputShape[^2], (int)inputShape[^1]);
    }

    /// <summary>A per-image-shape model (symbolic height and width) is measured at its largest input, the long side its
    /// imgsz metadata names; null for models without it (a symbolic size is then an error naming the input).</summary>
    private static int? LargestSide(ModelProto model) => ModelMetadata.ReadImageSize(model) is { } s ? Math.Max(s.Width, s.Height) : null;

    /// <summary>Multiply-accumulates of each Conv/ConvTranspose node by name, from propagated shapes (no inference run).</summary>
    internal static Dictionary<string, long> ConvMacsByNode(ModelProto model)
    {
        var shapes = ShapeInference.Infer(model.Graph, LargestSide(model));
        var index = new GraphIndex(model.Graph);
        return model.Graph.Node.Where(n => n.OpType is "Conv" or "ConvTranspose").ToDictionary(n => n.Name, n => ConvMacs(n, shapes, index));
    }

    /// <summary>[..., M, K] x [..., K, N]: every output element is K multiply-accumulates.</summary>
    private static long MatMulMacs(NodeProto node, Dictionary<string, long[]> shapes)
    {
        var a = shapes.GetValueOrDefault(node.Input[0]);
        var b = shapes.GetValueOrDefault(node.Input[1]);
        if (a is null || b is null)
            throw new InvalidOperationException($"Cannot work out the shapes around MatMul '{node.Name}' (an op before it is not supported by the FLOP counter).");
        return ShapeFormulas.MatMulShape(a, b).Aggregate(1L, (p, d) => p * d) * a[^1];
    }

    private static long ConvMacs(NodeProto node, Dictionary<string, long[]> shapes, GraphIndex index)
    {
        var x = shapes.GetValueOrDefault(node.Input[0]);
        var w = shapes.GetValueOrDefault(node.Input[1]);
        var y = shapes.GetValueOrDefault(node.Output[0]);
        if (x is null || w is null || y is null)
        {
            var culprit = FirstUnknown(node, shapes, index);
            throw new InvalidOperationException($"Cannot work out the shapes around {node.OpType} '{node.Name}'"
                + (culprit is null ? "." : $": the output shape of {culprit.OpType} '{culprit.Name}' is unknown (the FLOP counter's shape inference cannot evaluate it)."));
        }
        long kernel = w.Skip(2).Aggregate(1L, (a, b) => a * b);
        // Conv: every output element sums Cin/group x kernel products (weight [Cout, Cin/g, k...]).
        // ConvTranspose: every input element scatters into Cout/group x kernel outputs (weight [Cin, Cout/g, k...]).
        return node.OpType == "Conv"
            ? y.Skip(1).Aggregate(1L, (a, b) => a * b) * w[1] * kernel
            : x.Skip(1).Aggregate(1L, (a, b) => a * b) * w[1] * kernel;
    }

    /// <summary>The earliest node upstream of <paramref name="node"/> whose inputs are known but an output is not.</summary>
    private static NodeProto? FirstUnknown(NodeProto node, Dictionary<string, long[]> shapes, GraphIndex index)
    {
        var candidates = new List<NodeProto>();
        var seen = new HashSet<NodeProto>();
        var stack = new Stack<NodeProto>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (!seen.Add(current)) continue;
            var unknownInputs = current.Input.Where(i => i.Length > 0 && !shapes.ContainsKey(i)).ToList();
            if (unknownInputs.Count == 0 && current != node) { candidates.Add(current); continue; }
            foreach (var input in unknownInputs)
                if (index.Producer(input) is { } producer) stack.Push(producer);
        }
        return candidates.MinBy(n => index.Graph.Node.IndexOf(n));
    }

    /// <summary>The initializer a weight input comes from, through DequantizeLinear, Identity and Cast.</summary>
    private static TensorProto? StoredTensor(string name, GraphIndex index)
    {
        for (int hops = 0; hops < 8; hops++)
        {
            if (index.Initializer(name) is { } t) return t;
            var producer = index.Producer(name);
            if (producer is null) return null;
            if (producer.OpType == "Constant") return producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } c ? WithName(c, producer.Output[0]) : null;
            if (producer.OpType is not ("DequantizeLinear" or "Identity" or "Cast")) return null;
            name = producer.Input[0];
        }
        return null;
    }

    private static TensorProto WithName(TensorProto t, string name)
    {
        var copy = t.Clone();
        copy.Name = name;
        return copy;
    }
}
