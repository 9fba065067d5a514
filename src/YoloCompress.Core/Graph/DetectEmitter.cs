using YoloCompress.Core.Checkpoints;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Core.Graph;

/// <summary>The Detect head and its decode tail, computing what ultralytics v7.0 exports (models/yolo.py
/// Detect.forward with export=True): per level i, sigmoid of the conv's logits; xy = (xy * 2 + grid_i) * stride_i,
/// wh = (wh * 2) ** 2 * anchor_grid_i; rows ordered (anchor, y, x) -> [bs, na * ny * nx, no]; then cat over levels.
/// grid_i is the (x, y) cell index minus 0.5 and anchor_grid_i the anchors in pixels (the pickled <c>anchors</c>
/// buffer is in grid units, so it is multiplied by the stride).
/// The same values in a faster order than ultralytics' (view -> permute -> sigmoid -> split on the last axis): the
/// sigmoid follows the conv directly, so ONNX Runtime fuses it into the conv kernel; split, decode and cat work
/// channels first ([bs, na, no, ny * nx]), where each piece is one contiguous block per anchor instead of 2, 2 and
/// nc + 1 floats per cell; one transpose then puts the channels last. About 1 ms less per yolov5n run at 640
/// (measured with the benchmarks' <c>inspect --profile</c>), in the float and the int8 model alike.
/// The constants are stored broadcastable ([1, 1, 2, ny * nx] and [1, na, 2, 1]) instead of expanded to
/// [1, na, 2, ny * nx]: the same arithmetic, and about 0.4 MB less in every model written.</summary>
internal static class DetectEmitter
{
    /// <summary>Emits the head; returns the number of predictions per image (sum of na * ny * nx).</summary>
    public static int Emit(LayerContext l, GraphWriter graph, IReadOnlyList<Feature> inputs, int inputSize, string outputName)
    {
        var path = l.Path;
        var module = l.Module(path, "Detect");
        var arch = l.Checkpoint.Architecture;
        int nc = (int)l.Attribute(module, m => m.GetInt("nc"));
        if (nc != arch.ClassCount)
            throw l.Fail($"Detect has nc={nc} in the checkpoint, but the yaml says nc={arch.ClassCount}.");
        int nl = inputs.Count, na = arch.AnchorsPerLevel, no = nc + 5;
        var anchors = l.Tensor(path + ".anchors", nl, na, 2);
        var strides = l.Checkpoint.Strides;
        if (strides.Count != nl)
            throw l.Fail($"the model has {strides.Count} strides but Detect reads {nl} levels.");

        var two = graph.Scalar(path + ".decode.two", 2f);
        var levels = new List<string>();
        int total = 0;
        for (int i = 0; i < nl; i++)
        {
            var x = inputs[i];
            float stride = strides[i];
            if (Math.Abs(x.Height * stride - inputSize) > 1e-3 || Math.Abs(x.Width * stride - inputSize) > 1e-3)
                throw l.Fail($"Detect level {i} reads a {x.Height}x{x.Width} map, which does not match stride {stride} at input size {inputSize}.");
            var convPath = $"{path}.m.{i}";
            var conv = l.Module(convPath, "Conv2d");
            var weight = l.Tensor(convPath + ".weight", na * no, x.Channels, 1, 1);
            var bias = l.Tensor(convPath + ".bias", na * no);
            if (l.Attribute(conv, m => m.GetInt("groups")) != 1 || l.Attribute(conv, m => m.GetInts("stride")).Any(s => s != 1))
                throw l.Fail($"Detect output conv '{convPath}' must be a plain 1x1 convolution.");
            var y = graph.Node("Conv", convPath, new[] { x.Name, graph.Weight(weight), graph.Weight(bias) },
                Ints("dilations", 1, 1), Int("group", 1), Ints("kernel_shape", 1, 1), Ints("pads", 0, 0, 0, 0), Ints("strides", 1, 1));

            int ny = x.Height, nx = x.Width, cells = ny * nx;
            var p = $"{path}.decode.{i}";
            y = graph.Node("Sigmoid", p + ".sigmoid", new[] { y });
            y = graph.Node("Reshape", p + ".reshape", new[] { y, graph.Int64(p + ".reshape.shape", -1, na, no, cells) });
            var parts = graph.MultiOutputNode("Split", p + ".split", 3, new[] { y, graph.Int64(p + ".split.sizes", 2, 2, nc + 1) }, Int("axis", 2));

            var grid = graph.Float(p + ".grid", new long[] { 1, 1, 2, cells }, Grid(ny, nx));
            var xy = graph.Node("Mul", p + ".xy.mul", new[] { parts[0], two });
            xy = graph.Node("Add", p + ".xy.add", new[] { xy, grid });
            xy = graph.Node("Mul", p + ".xy.scale", new[] { xy, graph.Scalar(p + ".stride", stride) });

            var anchorGrid = new float[na * 2];
            for (int k = 0; k < na * 2; k++) anchorGrid[k] = anchors.Data[i * na * 2 + k] * stride;
            var wh = graph.Node("Mul", p + ".wh.mul", new[] { parts[1], two });
            wh = graph.Node("Pow", p + ".wh.pow", new[] { wh, two });
            wh = graph.Node("Mul", p + ".wh.scale", new[] { wh, graph.Float(p + ".anchor_grid", new long[] { 1, na, 2, 1 }, anchorGrid) });

            var cat = graph.Node("Concat", p + ".concat", new[] { xy, wh, parts[2] }, Int("axis", 2));
            cat = graph.Node("Transpose", p + ".transpose", new[] { cat }, Ints("perm", 0, 1, 3, 2));
            levels.Add(graph.Node("Reshape", p + ".flatten", new[] { cat, graph.Int64(p + ".flatten.shape", -1, na * cells, no) }));
            total += na * ny * nx;
        }
        graph.Node("Concat", outputName, levels, Int("axis", 1));
        return total;
    }

    /// <summary>torch.stack((xv, yv), 2) - 0.5 over a meshgrid of ny rows and nx columns, channels first:
    /// the x offsets of every cell (row-major), then the y offsets.</summary>
    private static float[] Grid(int ny, int nx)
    {
        int cells = ny * nx;
        var grid = new float[cells * 2];
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++)
            {
                grid[y * nx + x] = x - 0.5f;
                grid[cells + y * nx + x] = y - 0.5f;
            }
        return grid;
    }
}
