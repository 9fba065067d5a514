using YoloCompress.Core.Checkpoints;
using YoloCompress.Runtime;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Core.Graph;

/// <summary>The Detect head and its decode tail, computing what ultralytics v7.0 exports (models/yolo.py
/// Detect.forward with export=True): per level i, sigmoid of the conv's logits; xy = (xy * 2 + grid_i) * stride_i,
/// wh = (wh * 2) ** 2 * anchor_grid_i; rows ordered (anchor, y, x) -> [bs, na * ny * nx, no]; then cat over levels.
/// grid_i is the (x, y) cell index minus 0.5 and anchor_grid_i the anchors in pixels (the pickled <c>anchors</c>
/// buffer is in grid units, so it is multiplied by the stride).
/// The same values in a faster order than ultralytics' (view -> 5-D permute -> sigmoid): the sigmoid follows the conv
/// directly, so ONNX Runtime fuses it into the float conv kernel; the logits then go channels-last ([bs, ny, nx,
/// na * no]: ORT writes its blocked conv output that way in one pass) and one transpose moves whole rows of no values
/// to the anchor-major order. When the conv is int8 (the HeadConvs setting) its MatMul
/// already produces channels-last and the two transposes between cancel. About 1 ms less per yolov5n run at 640, float
/// and int8 alike (the benchmarks' <c>inspect --profile</c>).
/// The constants are stored broadcastable ([1, 1, ny * nx, 2] and [1, na, 1, 2]) instead of expanded to
/// [1, na, ny * nx, 2]: the same arithmetic, and about 0.4 MB less in every model written. For per-image shapes the grid
/// is computed from the level's input shape (Shape, Range, Expand) and the reshapes keep the batch and infer the rows,
/// as the reference exporter's <c>--dynamic</c> graph does.</summary>
internal static class DetectEmitter
{
    /// <summary>Emits the head; returns the number of predictions per image (sum of na * ny * nx).</summary>
    public static int Emit(LayerContext l, GraphWriter graph, IReadOnlyList<Feature> inputs, InputGeometry geometry, string outputName)
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
            if (Math.Abs(x.Height * stride - geometry.Height) > 1e-3 || Math.Abs(x.Width * stride - geometry.Width) > 1e-3)
                throw l.Fail($"Detect level {i} reads a {x.Height}x{x.Width} map, which does not match stride {stride} at input size {geometry.Width}x{geometry.Height}.");
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
            y = graph.Node("Transpose", p + ".channels_last", new[] { y }, Ints("perm", 0, 2, 3, 1));
            y = geometry.IsPerImage
                ? graph.Node("Reshape", p + ".reshape", new[] { y, graph.Int64(p + ".reshape.shape", 0, -1, na, no) })
                : graph.Node("Reshape", p + ".reshape", new[] { y, graph.Int64(p + ".reshape.shape", -1, cells, na, no) });
            y = graph.Node("Transpose", p + ".transpose", new[] { y }, Ints("perm", 0, 2, 1, 3));
            var parts = graph.MultiOutputNode("Split", p + ".split", 3, new[] { y, graph.Int64(p + ".split.sizes", 2, 2, nc + 1) }, Int("axis", 3));

            var grid = geometry.IsPerImage ? ShapedGrid(graph, p, x.Name) : graph.Float(p + ".grid", new long[] { 1, 1, cells, 2 }, Grid(ny, nx));
            var xy = graph.Node("Mul", p + ".xy.mul", new[] { parts[0], two });
            xy = graph.Node("Add", p + ".xy.add", new[] { xy, grid });
            xy = graph.Node("Mul", p + ".xy.scale", new[] { xy, graph.Scalar(p + ".stride", stride) });

            var anchorGrid = new float[na * 2];
            for (int k = 0; k < na * 2; k++) anchorGrid[k] = anchors.Data[i * na * 2 + k] * stride;
            var wh = graph.Node("Mul", p + ".wh.mul", new[] { parts[1], two });
            wh = graph.Node("Pow", p + ".wh.pow", new[] { wh, two });
            wh = graph.Node("Mul", p + ".wh.scale", new[] { wh, graph.Float(p + ".anchor_grid", new long[] { 1, na, 1, 2 }, anchorGrid) });

            var cat = graph.Node("Concat", p + ".concat", new[] { xy, wh, parts[2] }, Int("axis", 3));
            levels.Add(geometry.IsPerImage
                ? graph.Node("Reshape", p + ".flatten", new[] { cat, graph.Int64(p + ".flatten.shape", 0, -1, no) })
                : graph.Node("Reshape", p + ".flatten", new[] { cat, graph.Int64(p + ".flatten.shape", -1, na * cells, no) }));
            total += na * ny * nx;
        }
        graph.Node("Concat", outputName, levels, Int("axis", 1));
        return total;
    }

    /// <summary><see cref="Grid"/> computed in the graph from the level input's height and width: [1, 1, ny * nx, 2]
    /// with (x - 0.5, y - 0.5) in row-major cell order.</summary>
    private static string ShapedGrid(GraphWriter graph, string p, string levelInput)
    {
        var shape = graph.Node("Shape", p + ".grid.shape", new[] { levelInput });
        var hw = graph.Node("Gather", p + ".grid.hw", new[] { shape, graph.Int64(p + ".grid.hw.index", 2, 3) }, Int("axis", 0));
        string Axis(string name, long index, long[] layout)
        {
            var size = graph.Node("Gather", $"{p}.grid.{name}.size", new[] { shape, graph.Int64Scalar($"{p}.grid.{name}.index", index) }, Int("axis", 0));
            var range = graph.Node("Range", $"{p}.grid.{name}.range", new[] { graph.Int64Scalar($"{p}.grid.{name}.start", 0), size, graph.Int64Scalar($"{p}.grid.{name}.delta", 1) });
            range = graph.Node("Cast", $"{p}.grid.{name}.float", new[] { range }, Int("to", (long)Onnx.TensorProto.Types.DataType.Float));
            range = graph.Node("Reshape", $"{p}.grid.{name}.column", new[] { range, graph.Int64($"{p}.grid.{name}.layout", layout) });
            range = graph.Node("Expand", $"{p}.grid.{name}.expand", new[] { range, hw });
            return graph.Node("Reshape", $"{p}.grid.{name}.cells", new[] { range, graph.Int64($"{p}.grid.{name}.cells.shape", 1, 1, -1, 1) });
        }
        var gx = Axis("x", 3, [1, -1]);
        var gy = Axis("y", 2, [-1, 1]);
        var grid = graph.Node("Concat", p + ".grid.xy", new[] { gx, gy }, Int("axis", 3));
        return graph.Node("Sub", p + ".grid", new[] { grid, graph.Scalar(p + ".grid.half", 0.5f) });
    }

    /// <summary>torch.stack((xv, yv), 2) - 0.5 over a meshgrid of ny rows and nx columns.</summary>
    private static float[] Grid(int ny, int nx)
    {
        var grid = new float[ny * nx * 2];
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++)
            {
                grid[(y * nx + x) * 2] = x - 0.5f;
                grid[(y * nx + x) * 2 + 1] = y - 0.5f;
            }
        return grid;
    }
}
