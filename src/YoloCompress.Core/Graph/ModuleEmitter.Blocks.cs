using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.OnnxModel;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Core.Graph;

/// <summary>The composite blocks of models/common.py, written as their forward() reads.</summary>
internal sealed partial class ModuleEmitter
{
    /// <summary>Bottleneck(c1, c2, shortcut, g, e): cv2(cv1(x)), plus x when it adds.</summary>
    public Feature Bottleneck(LayerContext l, string path, Feature x, int c2, bool shortcut, int groups, double e)
    {
        var module = l.Module(path, "Bottleneck");
        int hidden = (int)(c2 * e);
        var y = Conv(l, path + ".cv1", x, hidden, new[] { 1, 1 }, 1);
        y = Conv(l, path + ".cv2", y, c2, new[] { 3, 3 }, groups);
        return Residual(l, module, path, x, y, shortcut);
    }

    /// <summary>CrossConv(c1, c2, k, s, g, e, shortcut): a (1, k) then a (k, 1) convolution.</summary>
    public Feature CrossConv(LayerContext l, string path, Feature x, int c2, int k, int groups, double e, bool shortcut)
    {
        var module = l.Module(path, "CrossConv");
        int hidden = (int)(c2 * e);
        var y = Conv(l, path + ".cv1", x, hidden, new[] { 1, k }, 1);
        y = Conv(l, path + ".cv2", y, c2, new[] { k, 1 }, groups);
        return Residual(l, module, path, x, y, shortcut);
    }

    /// <summary>SPPF(c1, c2, k): one max pool applied three times in sequence (nodes path.m.0, .1, .2).</summary>
    public Feature Sppf(LayerContext l, string path, Feature x, int c2)
    {
        l.Module(path, "SPPF");
        var y = Conv(l, path + ".cv1", x, x.Channels / 2, new[] { 1, 1 }, 1);
        var pool = l.Module(path + ".m");
        var y1 = MaxPool(l, pool, path + ".m.0", y);
        var y2 = MaxPool(l, pool, path + ".m.1", y1);
        var y3 = MaxPool(l, pool, path + ".m.2", y2);
        var cat = Concat(l, path + ".concat", new[] { y, y1, y2, y3 });
        return Conv(l, path + ".cv2", cat, c2, new[] { 1, 1 }, 1);
    }

    /// <summary>SPP(c1, c2, k=(5, 9, 13)): parallel max pools, each its own pickled module path.m.j.</summary>
    public Feature Spp(LayerContext l, string path, Feature x, int c2)
    {
        l.Module(path, "SPP");
        var y = Conv(l, path + ".cv1", x, x.Channels / 2, new[] { 1, 1 }, 1);
        var pools = l.Module(path + ".m", "ModuleList").Children;
        var branches = new List<Feature> { y };
        foreach (var pool in pools) branches.Add(MaxPool(l, pool, pool.Path, y));
        var cat = Concat(l, path + ".concat", branches);
        return Conv(l, path + ".cv2", cat, c2, new[] { 1, 1 }, 1);
    }

    /// <summary>Focus(c1, c2, k, s, p, g): space-to-depth by four strided slices, then Conv at path.conv.</summary>
    public Feature Focus(LayerContext l, string path, Feature x, int c2, int[] kernel, int groups)
    {
        l.Module(path, "Focus");
        // x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]  (axes 2 = rows, 3 = columns)
        var offsets = new (long Row, long Col)[] { (0, 0), (1, 0), (0, 1), (1, 1) };
        var ends = graph.Int64(path + ".slice.ends", long.MaxValue, long.MaxValue);
        var axes = graph.Int64(path + ".slice.axes", 2, 3);
        var steps = graph.Int64(path + ".slice.steps", 2, 2);
        var parts = new List<Feature>();
        for (int j = 0; j < offsets.Length; j++)
        {
            var (row, col) = offsets[j];
            var starts = graph.Int64($"{path}.slice.{j}.starts", row, col);
            var name = graph.Node("Slice", $"{path}.slice.{j}", new[] { x.Name, starts, ends, axes, steps });
            parts.Add(new Feature(name, x.Channels, (int)((x.Height - row + 1) / 2), (int)((x.Width - col + 1) / 2)));
        }
        var cat = Concat(l, path + ".concat", parts);
        return Conv(l, path + ".conv", cat, c2, kernel, groups);
    }

    private Feature Residual(LayerContext l, CheckpointModule module, string path, Feature x, Feature y, bool shortcut)
    {
        // The pickled 'add' is what ran in training; older pickles without it follow the constructor's rule.
        bool add = module.HasAttribute("add") ? l.Attribute(module, m => m.GetBool("add")) : shortcut && x.Channels == y.Channels;
        if (!add) return y;
        if (x.Channels != y.Channels || x.Height != y.Height || x.Width != y.Width)
            throw l.Fail($"the shortcut of '{path}' adds {x.ShapeText} to {y.ShapeText}.");
        return y with { Name = graph.Node("Add", path + ".add", new[] { x.Name, y.Name }) };
    }
}
