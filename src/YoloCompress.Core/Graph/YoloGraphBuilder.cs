using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Graph;

/// <summary>Rebuilds a YOLOv5 network from its checkpoint as a float32 ONNX graph (opset 17, IR 8), the way
/// ultralytics' parse_model reads the yaml: input <c>images [batch, 3, H, W]</c> (or symbolic height and width), output
/// <c>output0 [batch, N, 5 + nc]</c> with boxes decoded in input pixels. BatchNormalization stays a separate
/// node (see <see cref="BatchNormFolding"/> for the written form). Node names follow the module paths:
/// P.conv, P.bn, P.act.sigmoid, P.act for a Conv at P; each node's output tensor has the node's name.</summary>
public static class YoloGraphBuilder
{
    public const string InputName = "images";
    public const string OutputName = "output0";
    public const int Opset = OpsetConversion.DefaultOpset;
    public const long IrVersion = 8;

    /// <summary>Builds the graph for a square <paramref name="inputSize"/> (a multiple of the largest stride);
    /// without one, the checkpoint's own <see cref="YoloCheckpoint.DefaultInputSize"/>.
    /// Throws <see cref="YoloGraphException"/> for an unknown module type or tensors that disagree with the yaml.</summary>
    public static ModelProto Build(YoloCheckpoint checkpoint, int? inputSize = null)
    {
        int size = inputSize ?? checkpoint.DefaultInputSize;
        return Build(checkpoint, InputGeometry.Fixed(Math.Max(size, 1), Math.Max(size, 1)), size);
    }

    /// <summary>Builds the graph for <paramref name="geometry"/>: a fixed width x height (each a multiple of the largest
    /// stride), or per-image shapes (symbolic height and width; the Detect grids computed from the feature maps' shapes,
    /// as the reference exporter's <c>--dynamic</c> does), whose long side is the metadata's imgsz.</summary>
    public static ModelProto Build(YoloCheckpoint checkpoint, InputGeometry geometry) => Build(checkpoint, geometry, geometry.Width);

    private static ModelProto Build(YoloCheckpoint checkpoint, InputGeometry geometry, int requestedWidth)
    {
        var arch = checkpoint.Architecture;
        int maxStride = (int)Math.Round(checkpoint.Strides.Max());
        if (requestedWidth <= 0 || geometry.Width % maxStride != 0 || geometry.Height % maxStride != 0)
            throw new ArgumentOutOfRangeException(nameof(geometry), geometry.ToString(),
                $"Input size {geometry} must have sides that are positive multiples of the model's largest stride ({maxStride}) for '{checkpoint.SourcePath}'.");
        if (geometry.IsPerImage && geometry.Stride != maxStride)
            throw new ArgumentOutOfRangeException(nameof(geometry), geometry.Stride,
                $"Per-image shapes must pad to the model's largest stride ({maxStride}) for '{checkpoint.SourcePath}', not {geometry.Stride}.");

        var graph = new GraphWriter();
        var emitter = new ModuleEmitter(graph);
        if (geometry.IsPerImage)
            graph.Input(InputName, "batch", (long)arch.InputChannels, "height", "width");
        else
            graph.Input(InputName, "batch", (long)arch.InputChannels, (long)geometry.Height, (long)geometry.Width);
        var outputs = new List<Feature>();
        // Per-image graphs are laid out at the largest input; only the Detect grids and reshapes depend on the size.
        var input = new Feature(InputName, arch.InputChannels, geometry.Height, geometry.Width);
        int predictions = -1;
        var usedTensors = new HashSet<string>(StringComparer.Ordinal);

        foreach (var spec in arch.Layers)
        {
            var layer = new LayerContext(checkpoint, spec, usedTensors);
            var inputs = spec.From.Select(f => Resolve(layer, outputs, input, f)).ToList();
            if (spec.Module == "Detect")
            {
                if (spec.Index != arch.Layers.Count - 1) throw layer.Fail("Detect must be the last layer.");
                predictions = DetectEmitter.Emit(layer, graph, inputs, geometry, OutputName);
                break;
            }
            outputs.Add(EmitLayer(layer, emitter, inputs));
        }
        if (predictions < 0)
            throw new YoloGraphException($"Checkpoint '{checkpoint.SourcePath}': the architecture has no Detect layer.");

        if (geometry.IsPerImage)
            graph.Output(OutputName, "batch", "anchors", (long)(arch.ClassCount + 5));
        else
            graph.Output(OutputName, "batch", (long)predictions, (long)(arch.ClassCount + 5));
        RequireAllWeightsUsed(checkpoint, usedTensors);
        return Assemble(graph.Graph, checkpoint, geometry);
    }

    private static Feature Resolve(LayerContext layer, List<Feature> outputs, Feature input, int from)
    {
        if (from == -1) return outputs.Count == 0 ? input : outputs[^1];
        int index = from < 0 ? outputs.Count + from : from;
        if (index < 0 || index >= outputs.Count)
            throw layer.Fail($"it reads layer {from}, which does not exist before it.");
        return outputs[index];
    }

    /// <summary>parse_model for one layer: channel scaling, depth scaling, then the module's nodes.</summary>
    private static Feature EmitLayer(LayerContext l, ModuleEmitter e, IReadOnlyList<Feature> inputs)
    {
        var arch = l.Checkpoint.Architecture;
        var module = ModuleCatalog.Normalize(l.Spec.Module);
        if (!ModuleCatalog.IsKnown(module)) throw l.Unsupported(ModuleCatalog.UnknownModuleProblem(module));
        if (module == "Concat")
        {
            int axis = (int)l.Attribute(l.Module(l.Path, "Concat"), m => m.HasAttribute("d") ? m.GetInt("d") : 1);
            return e.Concat(l, l.Path, inputs, axis);
        }
        if (inputs.Count != 1) throw l.Fail($"{module} takes one input, but the layer lists {inputs.Count}.");
        var x = inputs[0];
        int repeats = arch.ScaledDepth(l.Spec.Number);

        int c2 = x.Channels;
        if (ModuleCatalog.TakesChannels(module))
        {
            int no = arch.AnchorsPerLevel * (arch.ClassCount + 5);
            c2 = l.IntArg(0, -1);
            if (c2 <= 0) throw l.Fail("the first argument (output channels) is missing.");
            if (c2 != no) c2 = arch.ScaledWidth(c2);
        }
        if (ModuleCatalog.RepeatsInside(module)) return EmitCsp(l, e, module, x, c2, repeats);
        if (repeats == 1) return EmitSingle(l, e, module, l.Path, x, c2);
        // parse_model wraps n > 1 copies of any other module in an nn.Sequential: paths model.i.0, model.i.1...
        l.Module(l.Path, "Sequential");
        for (int j = 0; j < repeats; j++) x = EmitSingle(l, e, module, $"{l.Path}.{j}", x, c2);
        return x;
    }

    /// <summary>The CSP family, called as module(c1, c2, n, shortcut=True, g=1, e=0.5).</summary>
    private static Feature EmitCsp(LayerContext l, ModuleEmitter e, string module, Feature x, int c2, int repeats)
    {
        bool shortcut = l.BoolArg(1, true);
        int groups = l.IntArg(2, 1);
        double expansion = l.DoubleArg(3, 0.5);
        var path = l.Path;
        return module switch
        {
            "BottleneckCSP" => e.BottleneckCsp(l, path, x, c2, repeats, shortcut, groups, expansion),
            "C3x" => e.C3(l, path, x, c2, expansion, "C3x",
                y => e.Sequence(l, path + ".m", y, repeats, (p, z) => e.CrossConv(l, p, z, z.Channels, 3, groups, 1.0, shortcut))),
            "C3Ghost" => e.C3(l, path, x, c2, expansion, "C3Ghost",
                y => e.Sequence(l, path + ".m", y, repeats, (p, z) => e.GhostBottleneck(l, p, z, z.Channels, 3, 1))),
            "C3TR" => e.C3(l, path, x, c2, expansion, "C3TR", y => e.TransformerBlock(l, path + ".m", y, y.Channels, repeats)),
            _ => e.C3(l, path, x, c2, expansion, "C3",
                y => e.Sequence(l, path + ".m", y, repeats, (p, z) => e.Bottleneck(l, p, z, z.Channels, shortcut, groups, 1.0))),
        };
    }

    private static Feature EmitSingle(LayerContext l, ModuleEmitter e, string module, string path, Feature x, int c2) => module switch
    {
        // Conv(c1, c2, k=1, s=1, p=None, g=1, d=1, act=True)
        "Conv" => e.Conv(l, path, x, c2, l.KernelArg(1, 1), l.IntArg(4, 1)),
        // DWConv(c1, c2, k=1, s=1, d=1, act=True): groups = gcd(c1, c2)
        "DWConv" => e.Conv(l, path, x, c2, l.KernelArg(1, 1), Gcd(x.Channels, c2), "DWConv"),
        // GhostConv(c1, c2, k=1, s=1, g=1, act=True)
        "GhostConv" => e.GhostConv(l, path, x, c2, l.KernelArg(1, 1), l.IntArg(3, 1)),
        // Bottleneck(c1, c2, shortcut=True, g=1, e=0.5)
        "Bottleneck" => e.Bottleneck(l, path, x, c2, l.BoolArg(1, true), l.IntArg(2, 1), l.DoubleArg(3, 0.5)),
        // GhostBottleneck(c1, c2, k=3, s=1)
        "GhostBottleneck" => e.GhostBottleneck(l, path, x, c2, l.IntArg(1, 3), l.IntArg(2, 1)),
        // CrossConv(c1, c2, k=3, s=1, g=1, e=1.0, shortcut=False)
        "CrossConv" => e.CrossConv(l, path, x, c2, l.IntArg(1, 3), l.IntArg(3, 1), l.DoubleArg(4, 1.0), l.BoolArg(5, false)),
        "SPPF" => e.Sppf(l, path, x, c2),
        "SPP" => e.Spp(l, path, x, c2),
        // C3SPP(c1, c2, k=(5, 9, 13), n=1, shortcut=True, g=1, e=0.5): not in parse_model's insert-n set, so its
        // yaml repeats wrap it in an nn.Sequential and its own n stays 1.
        "C3SPP" => e.C3(l, path, x, c2, l.DoubleArg(6, 0.5), "C3SPP", y => e.Spp(l, path + ".m", y, y.Channels)),
        // Focus(c1, c2, k=1, s=1, p=None, g=1, act=True)
        "Focus" => e.Focus(l, path, x, c2, l.KernelArg(1, 1), l.IntArg(4, 1)),
        // DWConvTranspose2d(c1, c2, k=1, s=1, p1=0, p2=0): groups = gcd(c1, c2)
        "DWConvTranspose2d" => e.ConvTranspose(l, path, x, c2, l.KernelArg(1, 1), Gcd(x.Channels, c2), "DWConvTranspose2d"),
        "nn.ConvTranspose2d" => e.ConvTranspose(l, path, x, c2, l.KernelArg(1, 1), l.IntArg(5, 1), "ConvTranspose2d"),
        "nn.Upsample" => e.Upsample(l, path, x),
        "nn.MaxPool2d" => e.MaxPoolLayer(l, path, x),
        "nn.ZeroPad2d" => e.ZeroPad(l, path, x),
        _ => throw l.Unsupported(ModuleCatalog.UnknownModuleProblem(module)),
    };

    /// <summary>A weight the graph does not read means the yaml and the module tree describe different networks
    /// (a layer skipped, a branch missed); building on would silently compute something else.</summary>
    private static void RequireAllWeightsUsed(YoloCheckpoint checkpoint, HashSet<string> used)
    {
        var unused = checkpoint.Tensors.Keys
            .Where(name => name.StartsWith("model.", StringComparison.Ordinal) && !used.Contains(name))
            .Where(name => !IgnoredSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal)))
            .ToList();
        if (unused.Count > 0)
            throw new YoloGraphException($"Checkpoint '{checkpoint.SourcePath}': {unused.Count} tensor(s) are not part of the network the yaml describes: " +
                                         string.Join(", ", unused.Take(5)) + (unused.Count > 5 ? ", ..." : "") + ".");
    }

    // BatchNorm's step counter, and Detect's cached grids of older versions, carry no weights.
    private static readonly string[] IgnoredSuffixes = { ".num_batches_tracked", ".anchor_grid", ".grid" };

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private static ModelProto Assemble(GraphProto graph, YoloCheckpoint checkpoint, InputGeometry geometry)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "YoloCompress",
            ProducerVersion = typeof(YoloGraphBuilder).Assembly.GetName().Version?.ToString(3) ?? "0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        ModelMetadata.Write(model, checkpoint.Names, (int)Math.Round(checkpoint.Strides.Max()), geometry.Width, geometry.Height);
        return model;
    }
}
