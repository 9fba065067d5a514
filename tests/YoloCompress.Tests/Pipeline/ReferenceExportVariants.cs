using Google.Protobuf;
using Onnx;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Pipeline;

/// <summary>The other forms the reference exporter (export.py) gives the same yolov5n, made from its opset-12
/// static output since no Python is available here: another opset (13+: Split sizes, Unsqueeze axes as
/// inputs; Resize without roi), dynamic axes (input batch/height/width and output batch/anchors symbolic,
/// and the Detect decode computing its shapes and grids at run time as yolo.py's Detect does when traced
/// with dynamic=True: Shape -> Gather -> Unsqueeze -> Concat for view(bs, na, no, ny, nx); Range, meshgrid
/// (Reshape + Expand), stack and expand (ConstantOfShape / Equal / Where) for _make_grid), and simplified
/// (onnx-simplifier: Constant nodes become initializers). Tests check each variant computes what the
/// original does with ONNX Runtime before using it.</summary>
internal static class ReferenceExportVariants
{
    public static string Path => TestData.Reference("yolov5n-export-opset12.onnx");

    public static ModelProto Original() => ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path));

    public static ModelProto Make(int opset, bool dynamic, bool simplified)
    {
        var model = Original();
        if (dynamic) MakeDynamic(model);
        if (opset >= 13) MoveArgumentsToInputs(model.Graph);
        model.OpsetImport[0].Version = opset;
        if (opset >= 13 && model.IrVersion < 7) model.IrVersion = 7;
        if (simplified) ConstantsToInitializers(model.Graph);
        return model;
    }

    /// <summary>Writes the variant to a file named after it in <paramref name="folder"/>.</summary>
    public static string Write(string folder, int opset, bool dynamic, bool simplified)
    {
        var path = System.IO.Path.Combine(folder, $"yolov5n-opset{opset}{(dynamic ? "-dynamic" : "")}{(simplified ? "-sim" : "")}.onnx");
        File.WriteAllBytes(path, Make(opset, dynamic, simplified).ToByteArray());
        return path;
    }

    private static void MakeDynamic(ModelProto model)
    {
        var graph = model.Graph;
        SetDims(graph.Input[0], "batch", null, "height", "width");
        SetDims(graph.Output[0], "batch", "anchors", null);
        var constants = graph.Node.Where(n => n.OpType == "Constant").ToDictionary(n => n.Output[0]);
        var added = new List<NodeProto>();
        var removed = new HashSet<NodeProto>();
        int serial = 0;
        string Name(string what) => $"/model.24/dyn/{what}_{serial++}";
        string Const(TensorProto t)
        {
            var name = Name("Constant");
            t.Name = "";
            added.Add(OnnxNodes.Node("Constant", name, [], [name + "_output_0"], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = t }));
            return name + "_output_0";
        }
        string Ints(params long[] v) => Const(OnnxTensors.Int64("", [v.Length], v));
        string Scalar(long v) => Const(OnnxTensors.Int64("", [], [v]));
        string FloatScalar(float v) => Const(OnnxTensors.Float("", [], [v]));
        string Op(string op, string[] inputs, params AttributeProto[] attributes)
        {
            var name = Name(op);
            added.Add(OnnxNodes.Node(op, name, inputs, [name + "_output_0"], attributes));
            return name + "_output_0";
        }
        string Unsqueeze(string x) => Op("Unsqueeze", [x], OnnxNodes.Ints("axes", 0));
        string Replace(string tensor)
        {
            removed.Add(constants[tensor]);
            return tensor;
        }

        // One level per 5-D view: its input is the Detect conv output whose shape gives bs, ny, nx.
        foreach (var reshape in graph.Node.Where(n => n.OpType == "Reshape" && Dims(constants, n.Input[1]) is [5]).ToArray())
        {
            var target = Values(constants, reshape.Input[1]);
            long ny = target[3], nx = target[4];
            var shape = Op("Shape", [reshape.Input[0]]);
            var bs = Op("Gather", [shape, Scalar(0)], OnnxNodes.Int("axis", 0));
            var nyT = Op("Gather", [shape, Scalar(2)], OnnxNodes.Int("axis", 0));
            var nxT = Op("Gather", [shape, Scalar(3)], OnnxNodes.Int("axis", 0));
            Emit(Replace(reshape.Input[1]), "Concat", [Unsqueeze(bs), Ints(3), Ints(85), Unsqueeze(nyT), Unsqueeze(nxT)], OnnxNodes.Int("axis", 0));

            // _make_grid: arange, meshgrid(indexing='ij'), stack, expand to (1, na, ny, nx, 2).
            var y = Op("Range", [FloatScalar(0), Op("Cast", [nyT], OnnxNodes.Int("to", 1)), FloatScalar(1)]);
            var x = Op("Range", [FloatScalar(0), Op("Cast", [nxT], OnnxNodes.Int("to", 1)), FloatScalar(1)]);
            var meshShape = Op("Concat", [Op("Shape", [y]), Op("Shape", [x])], OnnxNodes.Int("axis", 0));
            var yv = Op("Expand", [Op("Reshape", [y, Op("Concat", [Op("Shape", [y]), Ints(1)], OnnxNodes.Int("axis", 0))]), meshShape]);
            var xv = Op("Expand", [Op("Reshape", [x, Op("Concat", [Ints(1), Op("Shape", [x])], OnnxNodes.Int("axis", 0))]), meshShape]);
            var stacked = Op("Concat", [Op("Unsqueeze", [xv], OnnxNodes.Ints("axes", 2)), Op("Unsqueeze", [yv], OnnxNodes.Ints("axes", 2))], OnnxNodes.Int("axis", 2));
            var size = Op("Concat", [Ints(1), Ints(3), Unsqueeze(nyT), Unsqueeze(nxT), Ints(2)], OnnxNodes.Int("axis", 0));
            // torch's expand: a -1 in the size keeps the dim, exported as Where(size == -1, 1, size).
            var ones = Op("ConstantOfShape", [Op("Shape", [size])], new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.Int64("", [1], [1]) });
            var expandTo = Op("Where", [Op("Equal", [size, Op("Mul", [ones, Scalar(-1)])]), ones, size]);
            var (gridTensor, anchorTensor) = LevelGrids(graph, constants, ny, nx);
            Emit(Replace(gridTensor), "Sub", [Op("Expand", [stacked, expandTo]), FloatScalar(0.5f)]);

            var anchorValues = AnchorsOf(constants[anchorTensor], ny, nx);
            var anchors = Op("Reshape", [Const(OnnxTensors.Float("", [3, 2], anchorValues)), Ints(1, 3, 1, 1, 2)]);
            Emit(Replace(anchorTensor), "Expand", [anchors, expandTo]);

            // view(bs, na * nx * ny, no)
            var final = graph.Node.First(n => n.OpType == "Reshape" && Dims(constants, n.Input[1]) is [3] && Values(constants, n.Input[1])[1] == 3 * ny * nx);
            var rows = Op("Mul", [Op("Mul", [Scalar(3), nxT]), nyT]);
            Emit(Replace(final.Input[1]), "Concat", [Unsqueeze(bs), Unsqueeze(rows), Ints(85)], OnnxNodes.Int("axis", 0));
        }

        void Emit(string output, string op, string[] inputs, params AttributeProto[] attributes) =>
            added.Add(OnnxNodes.Node(op, Name(op), inputs, [output], attributes));

        var nodes = graph.Node.Where(n => !removed.Contains(n)).Concat(added).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(TopologicalOrder(nodes, graph));
    }

    /// <summary>The expanded grid and anchor-grid constants of one level: [1,3,ny,nx,2], grid read by an Add, anchors by a Mul.</summary>
    private static (string Grid, string Anchors) LevelGrids(GraphProto graph, Dictionary<string, NodeProto> constants, long ny, long nx)
    {
        var level = constants.Where(c => Dims(constants, c.Key) is var d && d.SequenceEqual(new[] { 1L, 3, ny, nx, 2 })).Select(c => c.Key).ToHashSet();
        var grid = graph.Node.First(n => n.OpType == "Add" && n.Input.Any(level.Contains)).Input.First(level.Contains);
        var anchors = graph.Node.First(n => n.OpType == "Mul" && n.Input.Any(level.Contains)).Input.First(level.Contains);
        return (grid, anchors);
    }

    private static float[] AnchorsOf(NodeProto constant, long ny, long nx)
    {
        var data = OnnxTensors.ToFloatArray(constant.Attribute[0].T);
        var result = new float[6];
        for (int a = 0; a < 3; a++)
            for (int k = 0; k < 2; k++) result[a * 2 + k] = data[a * ny * nx * 2 + k];
        return result;
    }

    /// <summary>Opset 13 moved Split's sizes and Unsqueeze's axes to inputs (the exporter writes Constant nodes),
    /// and lets Resize leave roi empty.</summary>
    private static void MoveArgumentsToInputs(GraphProto graph)
    {
        var nodes = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            var moved = node.OpType switch { "Split" => "split", "Unsqueeze" or "Squeeze" => "axes", _ => null };
            if (moved is not null && OnnxNodes.Attribute(node, moved) is { } attribute)
            {
                var name = node.Name + "_" + moved;
                nodes.Add(OnnxNodes.Node("Constant", name, [], [name + "_output_0"],
                    new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.Int64("", [attribute.Ints.Count], attribute.Ints.ToArray()) }));
                node.Attribute.Remove(attribute);
                node.Input.Add(name + "_output_0");
            }
            if (node.OpType == "Resize") node.Input[1] = "";
            nodes.Add(node);
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes.Where(n => n.OpType != "Constant" || IsRead(nodes, n))); // the roi Constants are left unread
    }

    private static bool IsRead(List<NodeProto> nodes, NodeProto constant) => nodes.Any(n => n.Input.Contains(constant.Output[0]));

    private static void ConstantsToInitializers(GraphProto graph)
    {
        foreach (var node in graph.Node.Where(n => n.OpType == "Constant").ToArray())
        {
            var t = node.Attribute[0].T.Clone();
            t.Name = node.Output[0];
            graph.Initializer.Add(t);
            graph.Node.Remove(node);
        }
    }

    private static IEnumerable<NodeProto> TopologicalOrder(List<NodeProto> nodes, GraphProto graph)
    {
        var available = new HashSet<string>(graph.Input.Select(i => i.Name).Concat(graph.Initializer.Select(i => i.Name))) { "" };
        var pending = new List<NodeProto>(nodes);
        while (pending.Count > 0)
        {
            var ready = pending.First(n => n.Input.All(available.Contains));
            pending.Remove(ready);
            foreach (var o in ready.Output) available.Add(o);
            yield return ready;
        }
    }

    private static void SetDims(ValueInfoProto value, params string?[] symbolic)
    {
        var dims = value.Type.TensorType.Shape.Dim;
        for (int d = 0; d < symbolic.Length; d++)
            if (symbolic[d] is { } name) dims[d] = new TensorShapeProto.Types.Dimension { DimParam = name };
    }

    private static long[] Dims(Dictionary<string, NodeProto> constants, string tensor) =>
        constants.TryGetValue(tensor, out var c) ? c.Attribute[0].T.Dims.ToArray() : Array.Empty<long>();

    private static long[] Values(Dictionary<string, NodeProto> constants, string tensor) => OnnxTensors.ToInt64Array(constants[tensor].Attribute[0].T);
}
