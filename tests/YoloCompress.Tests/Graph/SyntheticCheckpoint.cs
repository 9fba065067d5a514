using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Tests.Graph;

/// <summary>Builds small in-memory checkpoints the way ultralytics pickles them (module classes, Conv2d /
/// BatchNorm2d / pooling attributes, tensors by module path), for modules no real checkpoint here uses.</summary>
internal sealed class SyntheticCheckpoint
{
    private readonly SortedDictionary<string, (string Type, SortedDictionary<string, object?> Attributes)> _modules = new(NaturalPathComparer.Instance);
    private readonly SortedDictionary<string, CheckpointTensor> _tensors = new(NaturalPathComparer.Instance);
    private readonly Random _random = new(7);

    public SyntheticCheckpoint Module(string path, string type, params (string Name, object? Value)[] attributes)
    {
        var dict = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in attributes) dict[name] = value;
        _modules[path] = (type, dict);
        return this;
    }

    public float[] Tensor(string name, int[] shape, Func<int, float>? values = null)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = values?.Invoke(i) ?? (float)(_random.NextDouble() - 0.5) * 0.5f;
        _tensors[name] = new CheckpointTensor(name, shape, data);
        return data;
    }

    /// <summary>A models.common.Conv: Conv2d (no bias), BatchNorm2d, activation (<paramref name="act"/> is the torch
    /// class; "LeakyReLU" gets <see cref="LeakySlope"/> as its negative_slope).</summary>
    public SyntheticCheckpoint Conv(string path, int c1, int c2, int kh, int kw, int stride = 1, int groups = 1, string act = "SiLU", string cls = "Conv", int? padding = null)
    {
        Module(path, "models.common." + cls);
        PlainConv(path + ".conv", c1, c2, kh, kw, stride, groups, bias: false, padding);
        BatchNorm(path + ".bn", c2);
        Activation(path + ".act", act);
        return this;
    }

    /// <summary>negative_slope of the LeakyReLU modules this builder writes (ultralytics v1-v3 used 0.1).</summary>
    public double LeakySlope { get; set; } = 0.1;

    public SyntheticCheckpoint Activation(string path, string act) =>
        act == "LeakyReLU"
            ? Module(path, "torch.nn.modules.activation.LeakyReLU", ("negative_slope", LeakySlope), ("inplace", true))
            : Module(path, "torch.nn.modules.activation." + act);

    /// <summary>A bare torch.nn.Conv2d with 'same' padding.</summary>
    public SyntheticCheckpoint PlainConv(string path, int c1, int c2, int kh, int kw, int stride = 1, int groups = 1, bool bias = false, int? padding = null)
    {
        Module(path, "torch.nn.modules.conv.Conv2d",
            ("kernel_size", Pair(kh, kw)), ("stride", Pair(stride, stride)), ("padding", Pair(padding ?? kh / 2, padding ?? kw / 2)),
            ("dilation", Pair(1, 1)), ("groups", (long)groups), ("padding_mode", "zeros"), ("in_channels", (long)c1), ("out_channels", (long)c2));
        double bound = Math.Sqrt(3.0 / (c1 / groups * kh * kw));
        Tensor(path + ".weight", new[] { c2, c1 / groups, kh, kw }, FanInScaled ? _ => (float)((_random.NextDouble() * 2 - 1) * bound) : null);
        if (bias) Tensor(path + ".bias", new[] { c2 });
        return this;
    }

    /// <summary>Conv weights uniform in +-sqrt(3 / fan_in) (unit variance through a layer), so that deep random
    /// networks keep finite activations; off for the small hand-built models whose random draws tests rely on.</summary>
    public bool FanInScaled { get; set; }

    public SyntheticCheckpoint BatchNorm(string path, int c)
    {
        Module(path, "torch.nn.modules.batchnorm.BatchNorm2d", ("eps", 0.001), ("num_features", (long)c));
        Tensor(path + ".weight", new[] { c }, _ => 1f + (float)_random.NextDouble() * 0.2f);
        Tensor(path + ".bias", new[] { c });
        Tensor(path + ".running_mean", new[] { c });
        Tensor(path + ".running_var", new[] { c }, _ => 0.5f + (float)_random.NextDouble());
        return this;
    }

    public SyntheticCheckpoint Linear(string path, int inFeatures, int outFeatures, bool bias, string cls = "torch.nn.modules.linear.Linear", double scale = 1)
    {
        Module(path, cls, ("in_features", (long)inFeatures), ("out_features", (long)outFeatures));
        Tensor(path + ".weight", new[] { outFeatures, inFeatures }, _ => (float)((_random.NextDouble() - 0.5) * 0.5 * scale));
        if (bias) Tensor(path + ".bias", new[] { outFeatures });
        return this;
    }

    public SyntheticCheckpoint MaxPool(string path, int k) =>
        Module(path, "torch.nn.modules.pooling.MaxPool2d", ("kernel_size", (long)k), ("stride", (long)1), ("padding", (long)(k / 2)),
            ("dilation", (long)1), ("ceil_mode", false));

    public bool HasModule(string path) => _modules.ContainsKey(path);

    public YoloCheckpoint Build(ModelArchitecture architecture, IReadOnlyList<string> names, float[] strides)
    {
        var root = Node("", "models.yolo.Model", new SortedDictionary<string, object?>(StringComparer.Ordinal));
        return new YoloCheckpoint("synthetic.pt", "model", architecture, names, strides, root, _tensors);
    }

    private CheckpointModule Node(string path, string type, IReadOnlyDictionary<string, object?> attributes)
    {
        var prefix = path.Length == 0 ? "" : path + ".";
        var children = _modules.Keys
            .Where(p => p.StartsWith(prefix, StringComparison.Ordinal) && p.Length > prefix.Length && !p[prefix.Length..].Contains('.'))
            .Select(p => Node(p, _modules[p].Type, _modules[p].Attributes))
            .ToList();
        if (path.Length == 0) children = new List<CheckpointModule> { Node("model", "torch.nn.modules.container.Sequential", new Dictionary<string, object?>()) };
        var tensors = _tensors.Keys.Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && !n[prefix.Length..].Contains('.'))
            .Select(n => n[prefix.Length..]).ToList();
        var buffers = tensors.Where(n => n is "running_mean" or "running_var" or "anchors" or "anchor_grid").ToList();
        return new CheckpointModule(path, type, attributes, children, tensors.Except(buffers).ToList(), buffers);
    }

    private static List<object?> Pair(long a, long b) => new() { a, b };
}
