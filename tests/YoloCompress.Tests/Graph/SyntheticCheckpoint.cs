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

    /// <summary>A models.common.Conv: Conv2d (no bias), BatchNorm2d, activation.</summary>
    public SyntheticCheckpoint Conv(string path, int c1, int c2, int kh, int kw, int stride = 1, int groups = 1, string act = "SiLU", string cls = "Conv")
    {
        Module(path, "models.common." + cls);
        Module(path + ".conv", "torch.nn.modules.conv.Conv2d",
            ("kernel_size", Pair(kh, kw)), ("stride", Pair(stride, stride)), ("padding", Pair(kh / 2, kw / 2)),
            ("dilation", Pair(1, 1)), ("groups", (long)groups), ("padding_mode", "zeros"), ("in_channels", (long)c1), ("out_channels", (long)c2));
        Tensor(path + ".conv.weight", new[] { c2, c1 / groups, kh, kw });
        Module(path + ".bn", "torch.nn.modules.batchnorm.BatchNorm2d", ("eps", 0.001), ("num_features", (long)c2));
        Tensor(path + ".bn.weight", new[] { c2 }, _ => 1f + (float)_random.NextDouble() * 0.2f);
        Tensor(path + ".bn.bias", new[] { c2 });
        Tensor(path + ".bn.running_mean", new[] { c2 });
        Tensor(path + ".bn.running_var", new[] { c2 }, _ => 0.5f + (float)_random.NextDouble());
        Module(path + ".act", "torch.nn.modules.activation." + act);
        return this;
    }

    public SyntheticCheckpoint MaxPool(string path, int k) =>
        Module(path, "torch.nn.modules.pooling.MaxPool2d", ("kernel_size", (long)k), ("stride", (long)1), ("padding", (long)(k / 2)),
            ("dilation", (long)1), ("ceil_mode", false));

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
        var buffers = tensors.Where(n => n is "running_mean" or "running_var" or "anchors").ToList();
        return new CheckpointModule(path, type, attributes, children, tensors.Except(buffers).ToList(), buffers);
    }

    private static List<object?> Pair(long a, long b) => new() { a, b };
}
