using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Core.Initialization;

/// <summary>ultralytics' <c>DetectionModel(cfg)</c> for the standard architectures, with random weights: the
/// module tree parse_model builds (models.common.Conv, C3, Bottleneck, SPPF, Concat, nn.Upsample, Detect) with
/// the attributes v7.0 pickles, in fp16 as train.py saves it.
///
/// Weights are torch's defaults (Conv2d: uniform in +-1/sqrt(fan_in), weight and bias; Detect's biases as
/// yolov5's _initialize_biases sets them). BatchNorm statistics are not torch's defaults (mean 0, variance 1):
/// with those, activations shrink about threefold per conv and vanish in the deep models, so calibration
/// would see empty ranges. Instead each BatchNorm gets the mean and variance its conv's output has when the
/// conv's inputs carry the statistics the layers before give (channels taken as independent), as a trained
/// model's statistics do, so every layer's output is about unit scale.</summary>
internal sealed class RandomYoloModel
{
    // A unit normal through SiLU: E[silu(z)] and Var[silu(z)].
    private const double SiluMean = 0.2066, SiluVariance = 0.3131;
    // An image scaled to [0, 1]: typical per-channel mean and variance.
    private const double ImageMean = 0.45, ImageVariance = 0.07;

    private readonly Random _random;
    private readonly ModelArchitecture _arch;
    private readonly TorchModule _silu = new TorchModule("torch.nn.modules.activation", "SiLU").Set("inplace", true);

    private RandomYoloModel(ModelArchitecture arch, int seed)
    {
        _arch = arch;
        _random = new Random(seed);
    }

    /// <summary>Per-channel mean and variance of a layer's output.</summary>
    private sealed record Stats(double[] Mean, double[] Variance)
    {
        public int Channels => Mean.Length;

        public static Stats Uniform(int channels, double mean, double variance) =>
            new(Enumerable.Repeat(mean, channels).ToArray(), Enumerable.Repeat(variance, channels).ToArray());

        public static Stats Concat(IEnumerable<Stats> parts) =>
            new(parts.SelectMany(p => p.Mean).ToArray(), parts.SelectMany(p => p.Variance).ToArray());

        public Stats Plus(Stats other) =>
            new(Mean.Zip(other.Mean, (a, b) => a + b).ToArray(), Variance.Zip(other.Variance, (a, b) => a + b).ToArray());
    }

    /// <summary>The layer Sequential (<c>model.model</c>), the save list, and the Detect module.</summary>
    public static (TorchModule Layers, List<object?> Save, TorchModule Detect) Build(ModelArchitecture arch, IReadOnlyList<float> strides, int seed) =>
        new RandomYoloModel(arch, seed).Build(strides);

    private (TorchModule, List<object?>, TorchModule) Build(IReadOnlyList<float> strides)
    {
        var layers = new TorchModule("torch.nn.modules.container", "Sequential");
        var outputs = new List<Stats>();
        var save = new SortedSet<long>();
        TorchModule? detect = null;
        var input = Stats.Uniform(_arch.InputChannels, ImageMean, ImageVariance);
        foreach (var layer in _arch.Layers)
        {
            Stats From(int f) => f == -1 ? (outputs.Count == 0 ? input : outputs[^1]) : outputs[f < 0 ? outputs.Count + f : f];
            var c1 = From(layer.From[0]);
            int n = _arch.ScaledDepth(layer.Number);
            long Arg(int i, long fallback) => i < layer.Args.Count && layer.Args[i] is long l ? l : fallback;
            int c2 = _arch.ScaledWidth((int)Arg(0, 0));
            TorchModule module;
            Stats output;
            switch (layer.Module)
            {
                case "Conv":
                    (module, output) = Conv(c1, c2, (int)Arg(1, 1), (int)Arg(2, 1), layer.Args.Count > 3 ? (int)Arg(3, 0) : null);
                    break;
                case "C3":
                    (module, output) = C3(c1, c2, n, layer.Args.Count < 2 || layer.Args[1] is not false);
                    break;
                case "SPPF":
                    (module, output) = Sppf(c1, c2, (int)Arg(1, 5));
                    break;
                case "nn.Upsample":
                    module = new TorchModule("torch.nn.modules.upsampling", "Upsample").Set("name", "Upsample").Set("size", null)
                        .Set("scale_factor", 2.0).Set("mode", "nearest").Set("align_corners", null).Set("recompute_scale_factor", null);
                    output = c1;
                    break;
                case "Concat":
                    module = new TorchModule("models.common", "Concat").Set("d", 1L);
                    output = Stats.Concat(layer.From.Select(From));
                    break;
                case "Detect":
                    module = detect = Detect(layer.From.Select(f => From(f).Channels).ToArray(), strides);
                    output = c1;
                    break;
                default:
                    throw new NotSupportedException($"layer {layer.Index} ({layer.Module}) is not a module of the standard architectures.");
            }
            foreach (var f in layer.From.Where(f => f != -1)) save.Add(f < 0 ? f + layer.Index : f);
            module.Set("i", (long)layer.Index)
                .Set("f", layer.From.Count == 1 ? layer.From[0] : layer.From.Select(f => (object?)(long)f).ToList())
                .Set("type", module.QualifiedName)
                .Set("np", module.ParameterCount);
            layers.Child(layer.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
            outputs.Add(output);
        }
        return (layers, save.Select(s => (object?)s).ToList(), detect ?? throw new InvalidOperationException("the architecture has no Detect layer."));
    }

    /// <summary>models.common.Conv: Conv2d (no bias), BatchNorm2d normalising its output, the shared SiLU.</summary>
    private (TorchModule, Stats) Conv(Stats input, int c2, int k, int stride, int? padding = null)
    {
        var (conv, mean, variance) = Conv2d(input, c2, k, stride, padding ?? k / 2, bias: false);
        var bn = new TorchModule("torch.nn.modules.batchnorm", "BatchNorm2d");
        bn.Parameters.Add(("weight", Tensor(new[] { c2 }, _ => 1).AsParameter()));
        bn.Parameters.Add(("bias", Tensor(new[] { c2 }, _ => 0).AsParameter()));
        bn.Buffers.Add(("running_mean", Tensor(new[] { c2 }, i => mean[i])));
        bn.Buffers.Add(("running_var", Tensor(new[] { c2 }, i => variance[i])));
        bn.Buffers.Add(("num_batches_tracked", new TorchTensor(TorchStorageType.Long, Array.Empty<int>(), new float[1])));
        bn.Set("num_features", (long)c2).Set("eps", 0.001).Set("momentum", 0.03).Set("affine", true).Set("track_running_stats", true);
        var module = new TorchModule("models.common", "Conv").Child("conv", conv).Child("bn", bn).Child("act", _silu);
        return (module, Stats.Uniform(c2, SiluMean, SiluVariance));
    }

    /// <summary>torch.nn.Conv2d with torch's default initialisation, and the mean and variance of its output.</summary>
    private (TorchModule, double[] Mean, double[] Variance) Conv2d(Stats input, int c2, int k, int stride, int padding, bool bias)
    {
        int c1 = input.Channels, fanIn = c1 * k * k;
        double bound = 1 / Math.Sqrt(fanIn);
        var weight = Tensor(new[] { c2, c1, k, k }, _ => Uniform(bound));
        var mean = new double[c2];
        var variance = new double[c2];
        for (int o = 0; o < c2; o++)
            for (int i = 0; i < c1; i++)
                for (int j = 0; j < k * k; j++)
                {
                    double w = (double)(Half)weight.Values[(o * c1 + i) * k * k + j];
                    mean[o] += w * input.Mean[i];
                    variance[o] += w * w * input.Variance[i];
                }
        var conv = new TorchModule("torch.nn.modules.conv", "Conv2d");
        conv.Parameters.Add(("weight", weight.AsParameter()));
        conv.Parameters.Add(("bias", bias ? Tensor(new[] { c2 }, _ => Uniform(bound)).AsParameter() : null));
        conv.Set("in_channels", (long)c1).Set("out_channels", (long)c2).Set("kernel_size", Pair(k)).Set("stride", Pair(stride))
            .Set("padding", Pair(padding)).Set("dilation", Pair(1)).Set("transposed", false).Set("output_padding", Pair(0))
            .Set("groups", 1L).Set("padding_mode", "zeros")
            .Set("_reversed_padding_repeated_twice", new PyTuple((long)padding, (long)padding, (long)padding, (long)padding));
        return (conv, mean, variance);
    }

    private (TorchModule, Stats) C3(Stats input, int c2, int n, bool shortcut)
    {
        int hidden = c2 / 2;
        var (cv1, a) = Conv(input, hidden, 1, 1);
        var (cv2, b) = Conv(input, hidden, 1, 1);
        var m = new TorchModule("torch.nn.modules.container", "Sequential");
        for (int j = 0; j < n; j++)
        {
            var (bottleneck, next) = Bottleneck(a, hidden, shortcut);
            m.Child(j.ToString(System.Globalization.CultureInfo.InvariantCulture), bottleneck);
            a = next;
        }
        var (cv3, output) = Conv(Stats.Concat(new[] { a, b }), c2, 1, 1);
        return (new TorchModule("models.common", "C3").Child("cv1", cv1).Child("cv2", cv2).Child("cv3", cv3).Child("m", m), output);
    }

    private (TorchModule, Stats) Bottleneck(Stats input, int c2, bool shortcut)
    {
        var (cv1, hidden) = Conv(input, c2, 1, 1);
        var (cv2, output) = Conv(hidden, c2, 3, 1);
        bool add = shortcut && input.Channels == c2;
        var module = new TorchModule("models.common", "Bottleneck").Child("cv1", cv1).Child("cv2", cv2).Set("add", add);
        return (module, add ? input.Plus(output) : output);
    }

    /// <summary>SPPF; the max-pools are taken as keeping their input's statistics (they raise the mean a little).</summary>
    private (TorchModule, Stats) Sppf(Stats input, int c2, int k)
    {
        var (cv1, hidden) = Conv(input, input.Channels / 2, 1, 1);
        var (cv2, output) = Conv(Stats.Concat(Enumerable.Repeat(hidden, 4)), c2, 1, 1);
        var pool = new TorchModule("torch.nn.modules.pooling", "MaxPool2d").Set("kernel_size", (long)k).Set("stride", 1L)
            .Set("padding", (long)(k / 2)).Set("dilation", 1L).Set("return_indices", false).Set("ceil_mode", false);
        return (new TorchModule("models.common", "SPPF").Child("cv1", cv1).Child("cv2", cv2).Child("m", pool), output);
    }

    private TorchModule Detect(int[] channels, IReadOnlyList<float> strides)
    {
        int nc = _arch.ClassCount, na = _arch.AnchorsPerLevel, no = nc + 5, nl = channels.Length;
        var anchors = _arch.Anchors ?? throw new InvalidOperationException("the architecture gives no anchor sizes.");
        var heads = new TorchModule("torch.nn.modules.container", "ModuleList");
        for (int l = 0; l < nl; l++)
        {
            var (conv, _, _) = Conv2d(Stats.Uniform(channels[l], SiluMean, SiluVariance), na * no, 1, 1, 0, bias: true);
            // yolov5's _initialize_biases: about 8 objects per 640x640 image, classes equally likely.
            var bias = conv.Parameters[1].Tensor!.Values;
            for (int a = 0; a < na; a++)
            {
                bias[a * no + 4] += (float)Math.Log(8 / Math.Pow(640 / strides[l], 2));
                for (int c = 0; c < nc; c++) bias[a * no + 5 + c] += (float)Math.Log(0.6 / (nc - 0.99));
            }
            heads.Child(l.ToString(System.Globalization.CultureInfo.InvariantCulture), conv);
        }
        var empty = Enumerable.Range(0, nl).Select(_ => (object?)Tensor(new[] { 0 }, _ => 0)).ToList();
        var detect = new TorchModule("models.yolo", "Detect").Set("nc", (long)nc).Set("no", (long)no).Set("nl", (long)nl).Set("na", (long)na)
            .Set("grid", empty).Set("anchor_grid", empty.ToList()).Child("m", heads).Set("inplace", true);
        // The buffer is in grid units: the yaml's pixel sizes divided by the level's stride.
        detect.Buffers.Add(("anchors", Tensor(new[] { nl, na, 2 }, i => anchors[i / (2 * na)][i % (2 * na)] / strides[i / (2 * na)])));
        return detect;
    }

    private double Uniform(double bound) => (_random.NextDouble() * 2 - 1) * bound;

    private static TorchTensor Tensor(int[] shape, Func<int, double> value)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)value(i);
        return new TorchTensor(TorchStorageType.Half, shape, values);
    }

    private static PyTuple Pair(int v) => new((long)v, (long)v);
}
