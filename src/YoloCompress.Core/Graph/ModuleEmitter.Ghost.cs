using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Core.Graph;

/// <summary>GhostNet's blocks as models/common.py defines them (yolov5s-ghost, C3Ghost).</summary>
internal sealed partial class ModuleEmitter
{
    /// <summary>GhostConv(c1, c2, k, s, g, act): y = cv1(x) with c2 / 2 channels, then cat(y, cv2(y)) where cv2 is a
    /// depthwise 5x5 Conv.</summary>
    public Feature GhostConv(LayerContext l, string path, Feature x, int c2, int[] kernel, int groups)
    {
        l.Module(path, "GhostConv");
        int hidden = c2 / 2;
        var y = Conv(l, path + ".cv1", x, hidden, kernel, groups);
        var cheap = Conv(l, path + ".cv2", y, hidden, new[] { 5, 5 }, hidden);
        return Concat(l, path + ".concat", new[] { y, cheap });
    }

    /// <summary>GhostBottleneck(c1, c2, k, s): conv(x) + shortcut(x), conv = GhostConv(c1, c2/2) -> DWConv(k, s) when
    /// s == 2 else Identity -> GhostConv(c2/2, c2, act=False); shortcut = DWConv(c1, c1, k, s) -> Conv(c1, c2) when
    /// s == 2 else Identity. The pickled children say which branch trained.</summary>
    public Feature GhostBottleneck(LayerContext l, string path, Feature x, int c2, int k, int s)
    {
        l.Module(path, "GhostBottleneck");
        int hidden = c2 / 2;
        l.Module(path + ".conv", "Sequential");
        var y = GhostConv(l, path + ".conv.0", x, hidden, new[] { 1, 1 }, 1);
        bool strided = s == 2;
        if (strided) y = Conv(l, path + ".conv.1", y, hidden, new[] { k, k }, hidden, "DWConv");
        else l.Module(path + ".conv.1", "Identity");
        y = GhostConv(l, path + ".conv.2", y, c2, new[] { 1, 1 }, 1);

        Feature skip;
        if (strided)
        {
            l.Module(path + ".shortcut", "Sequential");
            skip = Conv(l, path + ".shortcut.0", x, x.Channels, new[] { k, k }, x.Channels, "DWConv");
            skip = Conv(l, path + ".shortcut.1", skip, c2, new[] { 1, 1 }, 1);
        }
        else
        {
            l.Module(path + ".shortcut", "Identity");
            skip = x;
        }
        if (skip.Channels != y.Channels || skip.Height != y.Height || skip.Width != y.Width)
            throw l.Fail($"GhostBottleneck '{path}' adds {y.ShapeText} to its shortcut {skip.ShapeText}.");
        return y with { Name = graph.Node("Add", path + ".add", new[] { y.Name, skip.Name }) };
    }
}
