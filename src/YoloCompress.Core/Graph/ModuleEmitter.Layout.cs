using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.OnnxModel;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Core.Graph;

/// <summary>The modules that move or pool values without weights: nn.Upsample, nn.MaxPool2d, nn.ZeroPad2d.</summary>
internal sealed partial class ModuleEmitter
{
    /// <summary>nn.Upsample with a scale factor, nearest: ONNX Resize as torch exports it.</summary>
    public Feature Upsample(LayerContext l, string path, Feature x)
    {
        var module = l.Module(path, "Upsample");
        var mode = l.Attribute(module, m => m.GetString("mode"));
        if (mode != "nearest") throw l.Fail($"Upsample mode '{mode}' is not supported (only 'nearest').");
        if (module.Attributes.GetValueOrDefault("size") is not null) throw l.Fail("Upsample with a fixed output size is not supported (only scale_factor).");
        var scale = module.Attributes.GetValueOrDefault("scale_factor") switch
        {
            double d => new[] { d, d },
            long n => new double[] { n, n },
            IReadOnlyList<object?> { Count: 2 } list => list.Select(v => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray(),
            var other => throw l.Fail($"Upsample scale_factor {CheckpointModule.Format(other)} is not supported."),
        };
        var scales = graph.Float(path + ".scales", new long[] { 4 }, new[] { 1f, 1f, (float)scale[0], (float)scale[1] });
        var output = graph.Node("Resize", path, new[] { x.Name, "", scales },
            OnnxNodes.String("coordinate_transformation_mode", "asymmetric"), OnnxNodes.String("mode", "nearest"), OnnxNodes.String("nearest_mode", "floor"));
        return x with { Name = output, Height = (int)Math.Floor(x.Height * scale[0]), Width = (int)Math.Floor(x.Width * scale[1]) };
    }

    /// <summary>An nn.MaxPool2d yaml layer (yolov3-tiny): node named after the module.</summary>
    public Feature MaxPoolLayer(LayerContext l, string path, Feature x) => MaxPool(l, l.Module(path, "MaxPool2d"), path, x);

    /// <summary>An nn.ZeroPad2d yaml layer: its pickled padding (left, right, top, bottom) as an ONNX Pad.</summary>
    public Feature ZeroPad(LayerContext l, string path, Feature x)
    {
        var module = l.Module(path, "ZeroPad2d");
        var p = l.Attribute(module, m => m.GetInts("padding", 4));
        if (module.HasAttribute("value") && l.Attribute(module, m => m.GetDouble("value")) != 0)
            throw l.Fail($"'{path}' pads with a value other than zero.");
        var pads = graph.Int64(path + ".pads", 0, 0, p[2], p[0], 0, 0, p[3], p[1]);
        var padded = graph.Node("Pad", path + ".pad", new[] { x.Name, pads }, OnnxNodes.String("mode", "constant"));
        // ONNX Runtime's PadFusion folds a zero Pad into a following MaxPool's pads, which count as -inf, so a window of
        // negative values would lose its zero (yolov3-tiny's ZeroPad2d -> MaxPool2d). Max with the lowest float changes
        // no value and keeps the Pad a node of its own.
        var output = graph.Node("Max", path, new[] { padded, graph.Scalar(path + ".lowest", float.MinValue) });
        return x with { Name = output, Height = (int)(x.Height + p[2] + p[3]), Width = (int)(x.Width + p[0] + p[1]) };
    }

    /// <summary>A pickled nn.MaxPool2d applied to <paramref name="x"/> as node <paramref name="name"/>.</summary>
    private Feature MaxPool(LayerContext l, CheckpointModule pool, string name, Feature x)
    {
        if (pool.ClassName != "MaxPool2d") throw l.Fail($"module '{pool.Path}' is {pool.TypeName}, but the architecture implies MaxPool2d.");
        var k = l.Attribute(pool, m => m.GetInts("kernel_size"));
        var s = l.Attribute(pool, m => m.HasAttribute("stride") && m.Attribute("stride") is not null ? m.GetInts("stride") : k);
        var p = l.Attribute(pool, m => m.GetInts("padding"));
        var d = l.Attribute(pool, m => m.HasAttribute("dilation") ? m.GetInts("dilation") : new long[] { 1, 1 });
        bool ceil = l.Attribute(pool, m => m.HasAttribute("ceil_mode") && m.GetBool("ceil_mode"));
        int Size(int n, int i)
        {
            double v = (double)(n + 2 * p[i] - d[i] * (k[i] - 1) - 1) / s[i];
            return (int)(ceil ? Math.Ceiling(v) : Math.Floor(v)) + 1;
        }
        var attributes = new List<AttributeProto> { Int("ceil_mode", ceil ? 1 : 0) };
        if (d.Any(v => v != 1)) attributes.Add(Ints("dilations", d));
        attributes.Add(Ints("kernel_shape", k));
        attributes.Add(Ints("pads", p[0], p[1], p[0], p[1]));
        attributes.Add(Ints("strides", s));
        var output = graph.Node("MaxPool", name, new[] { x.Name }, attributes.ToArray());
        return x with { Name = output, Height = Size(x.Height, 0), Width = Size(x.Width, 1) };
    }
}
