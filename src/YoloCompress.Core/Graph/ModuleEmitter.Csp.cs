using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Core.Graph;

/// <summary>The CSP blocks of models/common.py: C3 and its subclasses (C3x, C3Ghost, C3TR, C3SPP differ only in
/// their <c>m</c>) and the older BottleneckCSP (v1-v4 backbones), written as their forward() reads.</summary>
internal sealed partial class ModuleEmitter
{
    /// <summary>C3(c1, c2, n, shortcut, g, e) and subclasses: cv3(cat(m(cv1(x)), cv2(x))), c_ = int(c2 * e).
    /// <paramref name="inner"/> emits the subclass's <c>m</c> on the c_-channel map.</summary>
    public Feature C3(LayerContext l, string path, Feature x, int c2, double e, string className, Func<Feature, Feature> inner)
    {
        l.Module(path, className);
        int hidden = (int)(c2 * e);
        var y = Conv(l, path + ".cv1", x, hidden, new[] { 1, 1 }, 1);
        y = inner(y);
        if (y.Channels != hidden || y.Height != x.Height || y.Width != x.Width)
            throw l.Fail($"'{path}.m' turns [{hidden}, {x.Height}, {x.Width}] into {y.ShapeText}; {className} needs its shape kept.");
        var skip = Conv(l, path + ".cv2", x, hidden, new[] { 1, 1 }, 1);
        var cat = Concat(l, path + ".concat", new[] { y, skip });
        return Conv(l, path + ".cv3", cat, c2, new[] { 1, 1 }, 1);
    }

    /// <summary>BottleneckCSP(c1, c2, n, shortcut, g, e): cv4(act(bn(cat(cv3(m(cv1(x))), cv2(x))))), where cv2 and
    /// cv3 are bare nn.Conv2d (no BN of their own) and one BN with the module's act (LeakyReLU(0.1) before v5.0,
    /// SiLU since) runs over the concatenation.</summary>
    public Feature BottleneckCsp(LayerContext l, string path, Feature x, int c2, int repeats, bool shortcut, int groups, double e)
    {
        l.Module(path, "BottleneckCSP");
        int hidden = (int)(c2 * e);
        var y = Conv(l, path + ".cv1", x, hidden, new[] { 1, 1 }, 1);
        y = Sequence(l, path + ".m", y, repeats, (p, z) => Bottleneck(l, p, z, hidden, shortcut, groups, 1.0));
        var y1 = PlainConv(l, path + ".cv3", y, hidden, new[] { 1, 1 }, 1);
        var y2 = PlainConv(l, path + ".cv2", x, hidden, new[] { 1, 1 }, 1);
        var cat = Concat(l, path + ".concat", new[] { y1, y2 });
        var normalized = BatchNorm(l, path + ".bn", cat);
        l.Module(path + ".act");
        var activated = normalized with { Name = Activation(l, path, normalized.Name) };
        return Conv(l, path + ".cv4", activated, c2, new[] { 1, 1 }, 1);
    }

    /// <summary>An nn.Sequential of <paramref name="count"/> blocks at path.0, path.1...</summary>
    public Feature Sequence(LayerContext l, string path, Feature x, int count, Func<string, Feature, Feature> block)
    {
        var m = l.Module(path, "Sequential");
        if (m.Children.Count != count)
            throw l.Fail($"module '{path}' holds {m.Children.Count} blocks in the checkpoint, but the architecture implies {count}.");
        for (int j = 0; j < count; j++) x = block($"{path}.{j}", x);
        return x;
    }
}
