using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.OnnxModel;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Core.Graph;

/// <summary>Emits the ONNX nodes of the convolutional building blocks (ultralytics models/common.py) from the
/// pickled modules: shapes come from the architecture and are checked against the tensors; strides, paddings,
/// groups, dilations, eps and activations come from the pickled modules, so they are exactly what trained.
/// Blocks live beside it: ModuleEmitter.Blocks.cs (Bottleneck, SPP, SPPF, Focus), .Csp.cs (C3 family, BottleneckCSP),
/// .Ghost.cs, .Transformer.cs (C3TR), .Layout.cs (Upsample, MaxPool2d, ZeroPad2d).</summary>
internal sealed partial class ModuleEmitter(GraphWriter graph)
{
    /// <summary>A <c>Conv</c> (or <c>DWConv</c>) module at <paramref name="path"/>: nodes path.conv, path.bn,
    /// path.act.sigmoid + path.act. <paramref name="kernel"/> and <paramref name="groups"/> are what the
    /// architecture implies; a checkpoint fused before saving (no bn, conv with bias) is accepted.</summary>
    public Feature Conv(LayerContext l, string path, Feature x, int c2, int[] kernel, int groups, string className = "Conv")
    {
        // Before v7.0, DWConv was a function returning a Conv, so older pickles hold a Conv where the yaml says DWConv.
        if (className == "DWConv" && l.Checkpoint.FindModule(path)?.ClassName == "Conv") className = "Conv";
        l.Module(path, className);
        var conv = l.Module(path + ".conv", "Conv2d");
        int pickledGroups = (int)l.Attribute(conv, m => m.GetInt("groups"));
        if (pickledGroups != groups)
            throw l.Fail($"module '{path}.conv' has groups={pickledGroups} in the checkpoint, but the architecture implies {groups}.");
        if (x.Channels % groups != 0)
            throw l.Fail($"module '{path}.conv' has {x.Channels} input channels, not divisible into {groups} groups.");
        var weightName = graph.Weight(l.Tensor(path + ".conv.weight", c2, x.Channels / groups, kernel[0], kernel[1]));
        var (attributes, height, width) = ConvGeometry(l, conv, x, kernel);
        attributes.Add(Int("group", groups));
        var inputs = new List<string> { x.Name, weightName };
        if (l.Checkpoint.FindTensor(path + ".conv.bias") is not null)
        {
            inputs.Add(graph.Weight(l.Tensor(path + ".conv.bias", c2)));
        }
        var output = graph.Node("Conv", path + ".conv", inputs, attributes.ToArray());

        var result = new Feature(output, c2, height, width);
        if (l.Checkpoint.FindModule(path + ".bn") is not null) result = BatchNorm(l, path + ".bn", result);
        return result with { Name = Activation(l, path, result.Name) };
    }

    /// <summary>A bare nn.Conv2d at <paramref name="path"/> (BottleneckCSP's cv2 and cv3): one node named after the module.</summary>
    public Feature PlainConv(LayerContext l, string path, Feature x, int c2, int[] kernel, int groups)
    {
        var conv = l.Module(path, "Conv2d");
        int pickledGroups = (int)l.Attribute(conv, m => m.GetInt("groups"));
        if (pickledGroups != groups)
            throw l.Fail($"module '{path}' has groups={pickledGroups} in the checkpoint, but the architecture implies {groups}.");
        var inputs = new List<string> { x.Name, graph.Weight(l.Tensor(path + ".weight", c2, x.Channels / groups, kernel[0], kernel[1])) };
        if (l.Checkpoint.FindTensor(path + ".bias") is not null) inputs.Add(graph.Weight(l.Tensor(path + ".bias", c2)));
        var (attributes, height, width) = ConvGeometry(l, conv, x, kernel);
        attributes.Add(Int("group", groups));
        return new Feature(graph.Node("Conv", path, inputs, attributes.ToArray()), c2, height, width);
    }

    /// <summary>The pickled nn.BatchNorm2d at <paramref name="path"/> over <paramref name="x"/>, as a node named after it.</summary>
    public Feature BatchNorm(LayerContext l, string path, Feature x)
    {
        var bn = l.Module(path);
        if (bn.ClassName != "BatchNorm2d")
            throw l.Fail($"module '{path}' is {bn.TypeName}, but the architecture implies BatchNorm2d.");
        var stats = new[] { "weight", "bias", "running_mean", "running_var" }.Select(s => $"{path}.{s}").ToList();
        foreach (var s in stats) graph.Weight(l.Tensor(s, x.Channels));
        float eps = (float)l.Attribute(bn, m => m.GetDouble("eps"));
        return x with { Name = graph.Node("BatchNormalization", path, stats.Prepend(x.Name), Float("epsilon", eps)) };
    }

    /// <summary>ConvTranspose2d or DWConvTranspose2d (a ConvTranspose2d subclass) at <paramref name="path"/>:
    /// one node named after the module, weight [c1, c2/groups, kh, kw].</summary>
    public Feature ConvTranspose(LayerContext l, string path, Feature x, int c2, int[] kernel, int groups, string className)
    {
        var module = l.Module(path, className);
        int pickledGroups = (int)l.Attribute(module, m => m.GetInt("groups"));
        if (pickledGroups != groups)
            throw l.Fail($"module '{path}' has groups={pickledGroups} in the checkpoint, but the architecture implies {groups}.");
        if (c2 % groups != 0 || x.Channels % groups != 0)
            throw l.Fail($"module '{path}' maps {x.Channels} to {c2} channels, not divisible into {groups} groups.");
        var weightName = graph.Weight(l.Tensor(path + ".weight", x.Channels, c2 / groups, kernel[0], kernel[1]));
        var stride = l.Attribute(module, m => m.GetInts("stride"));
        var padding = l.Attribute(module, m => m.GetInts("padding"));
        var dilation = l.Attribute(module, m => m.GetInts("dilation"));
        var outputPadding = l.Attribute(module, m => m.GetInts("output_padding"));
        RequireZeroPadding(l, module);
        var inputs = new List<string> { x.Name, weightName };
        if (l.Checkpoint.FindTensor(path + ".bias") is not null)
            inputs.Add(graph.Weight(l.Tensor(path + ".bias", c2)));
        int Size(int n, int d) => (int)((n - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernel[d] - 1) + outputPadding[d] + 1);
        var output = graph.Node("ConvTranspose", path, inputs,
            Ints("dilations", dilation), Int("group", groups), Ints("kernel_shape", kernel[0], kernel[1]),
            Ints("output_padding", outputPadding), Ints("pads", padding[0], padding[1], padding[0], padding[1]), Ints("strides", stride));
        return new Feature(output, c2, Size(x.Height, 0), Size(x.Width, 1));
    }

    /// <summary>Concat along channels; the inputs must agree in height and width.</summary>
    public Feature Concat(LayerContext l, string name, IReadOnlyList<Feature> inputs, int axis = 1)
    {
        if (axis != 1) throw l.Fail($"Concat along dimension {axis} is not supported (only channels, 1).");
        var first = inputs[0];
        foreach (var other in inputs.Skip(1))
            if (other.Height != first.Height || other.Width != first.Width)
                throw l.Fail($"Concat '{name}' joins {first.Name} {first.ShapeText} and {other.Name} {other.ShapeText}, whose sizes differ.");
        var output = graph.Node("Concat", name, inputs.Select(i => i.Name), Int("axis", 1));
        return new Feature(output, inputs.Sum(i => i.Channels), first.Height, first.Width);
    }

    private static (List<AttributeProto> Attributes, int Height, int Width) ConvGeometry(LayerContext l, CheckpointModule conv, Feature x, int[] kernel)
    {
        var stride = l.Attribute(conv, m => m.GetInts("stride"));
        var padding = l.Attribute(conv, m => m.GetInts("padding"));
        var dilation = l.Attribute(conv, m => m.GetInts("dilation"));
        RequireZeroPadding(l, conv);
        int Size(int n, int d) => (int)((n + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1) / stride[d] + 1);
        int height = Size(x.Height, 0), width = Size(x.Width, 1);
        if (height <= 0 || width <= 0)
            throw l.Fail($"'{conv.Path}' would produce an empty {height}x{width} map from {x.ShapeText}; the input size is too small.");
        var attributes = new List<AttributeProto>
        {
            Ints("dilations", dilation), Ints("kernel_shape", kernel[0], kernel[1]),
            Ints("pads", padding[0], padding[1], padding[0], padding[1]), Ints("strides", stride),
        };
        return (attributes, height, width);
    }

    private static void RequireZeroPadding(LayerContext l, CheckpointModule conv)
    {
        if (conv.Attributes.GetValueOrDefault("padding_mode") is string mode && mode != "zeros")
            throw l.Fail($"'{conv.Path}' uses padding_mode '{mode}'; only 'zeros' is supported.");
        if (conv.Attributes.GetValueOrDefault("padding") is string same)
            throw l.Fail($"'{conv.Path}' uses padding='{same}'; only explicit paddings are supported.");
    }

    /// <summary>The activation the pickled module at <paramref name="path"/> carries in <c>path.act</c> (none when it has no
    /// act child, as in a fused export); its class and parameters are read from the pickle, never assumed.</summary>
    private string Activation(LayerContext l, string path, string input)
    {
        var act = l.Checkpoint.FindModule(path + ".act");
        if (act is null) return input;
        switch (act.ClassName)
        {
            case "SiLU":
                var sigmoid = graph.Node("Sigmoid", path + ".act.sigmoid", new[] { input });
                return graph.Node("Mul", path + ".act", new[] { input, sigmoid });
            case "Identity":
                return input;
            case "ReLU":
                return graph.Node("Relu", path + ".act", new[] { input });
            case "LeakyReLU":
                float slope = (float)l.Attribute(act, m => m.HasAttribute("negative_slope") ? m.GetDouble("negative_slope") : 0.01);
                return graph.Node("LeakyRelu", path + ".act", new[] { input }, Float("alpha", slope));
            case "Hardswish":
                return graph.Node("HardSwish", path + ".act", new[] { input });
            case "Sigmoid":
                return graph.Node("Sigmoid", path + ".act", new[] { input });
            case "ReLU6":
                return graph.Node("Clip", path + ".act", new[] { input, graph.Scalar(path + ".act.min", 0f), graph.Scalar(path + ".act.max", 6f) });
            default:
                throw l.Unsupported($"activation {act.TypeName} at '{act.Path}' is not supported (SiLU, ReLU, ReLU6, LeakyReLU, Hardswish, Sigmoid, Identity).");
        }
    }
}
