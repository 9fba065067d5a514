using Onnx;
using YoloCompress.Core.Graph;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Tests.Graph;

/// <summary>Shape subgraphs as exporters write them with dynamic axes: their small values are folded so the
/// convs after them get shapes (and FLOPs), and ONNX Runtime agrees with every inferred output shape.</summary>
public sealed class ShapeFoldingTests
{
    /// <summary>x -> Conv -> Resize(sizes = Concat(Shape[0:2], Cast(Floor(Cast(Shape[2:4]) * 2)))) -> Conv
    /// -> Reshape(Concat(Unsqueeze(Gather(Shape, 0)), [-1])), as torch writes interpolate and view with dynamic axes.</summary>
    private static ModelProto ResizeBySizesModel(string? heightParam)
    {
        var g = new GraphProto { Name = "sizes" };
        var input = new ValueInfoProto { Name = "images", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto() } } };
        foreach (var d in new[] { "1", "3", heightParam ?? "32", heightParam is null ? "32" : "w" })
            input.Type.TensorType.Shape.Dim.Add(long.TryParse(d, out var v) ? new TensorShapeProto.Types.Dimension { DimValue = v } : new TensorShapeProto.Types.Dimension { DimParam = d });
        g.Input.Add(input);
        var random = new Random(5);
        float[] Weights(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        g.Initializer.Add(OnnxTensors.Float("w0", [8, 3, 3, 3], Weights(8 * 27)));
        g.Initializer.Add(OnnxTensors.Float("w1", [4, 8, 3, 3], Weights(4 * 72)));
        g.Initializer.Add(OnnxTensors.Int64("axis0", [1], [0]));
        g.Initializer.Add(OnnxTensors.Float("two", [], [2f]));
        g.Initializer.Add(OnnxTensors.Int64("index0", [], [0]));
        g.Initializer.Add(OnnxTensors.Int64("minus1", [1], [-1]));
        void Add(string op, string[] inputs, string output, params AttributeProto[] attributes) => g.Node.Add(OnnxNodes.Node(op, output, inputs, [output], attributes));
        Add("Conv", ["images", "w0"], "c0", OnnxNodes.Ints("pads", 1, 1, 1, 1));
        Add("Shape", ["c0"], "shape");
        g.Initializer.Add(OnnxTensors.Int64("s0", [1], [0]));
        g.Initializer.Add(OnnxTensors.Int64("s2", [1], [2]));
        g.Initializer.Add(OnnxTensors.Int64("s4", [1], [4]));
        Add("Slice", ["shape", "s0", "s2", "axis0"], "nc");
        Add("Slice", ["shape", "s2", "s4", "axis0"], "hw");
        Add("Cast", ["hw"], "hw_f", OnnxNodes.Int("to", 1));
        Add("Mul", ["hw_f", "two"], "hw2_f");
        Add("Floor", ["hw2_f"], "hw2_floor");
        Add("Cast", ["hw2_floor"], "hw2", OnnxNodes.Int("to", 7));
        Add("Concat", ["nc", "hw2"], "sizes", OnnxNodes.Int("axis", 0));
        Add("Resize", ["c0", "", "", "sizes"], "up", OnnxNodes.String("mode", "nearest"));
        Add("Conv", ["up", "w1"], "c1", OnnxNodes.Ints("pads", 1, 1, 1, 1));
        Add("Shape", ["c1"], "shape1");
        Add("Gather", ["shape1", "index0"], "batch", OnnxNodes.Int("axis", 0));
        Add("Unsqueeze", ["batch", "axis0"], "batch1");
        Add("Concat", ["batch1", "minus1"], "flat_shape", OnnxNodes.Int("axis", 0));
        Add("Reshape", ["c1", "flat_shape"], "output");
        g.Output.Add(new ValueInfoProto { Name = "output", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var model = new ModelProto { IrVersion = 8, Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("h")]
    public void Resize_by_computed_sizes_gets_its_shape_and_the_conv_after_it_its_flops(string? symbolic)
    {
        var model = ResizeBySizesModel(symbolic);
        var stats = ModelStatistics.Compute(model, symbolic is null ? null : 32);
        long expected = 2 * (8L * 32 * 32 * 27 + 4L * 64 * 64 * 72);
        Assert.Equal(expected, stats.Flops);

        var shapes = ShapeInference.Infer(model.Graph, 32);
        Assert.Equal(new long[] { 1, 8, 64, 64 }, shapes["up"]);
        Assert.Equal(new long[] { 1, 4 * 64 * 64 }, shapes["output"]);
        var (_, runtimeShape) = OrtRunner.Run(model, OrtRunner.RandomImage(32), 32);
        Assert.Equal(shapes["output"].Select(d => (int)d), runtimeShape);
    }

    [Fact]
    public void An_op_the_shape_inference_cannot_follow_is_named_in_the_error()
    {
        var model = ResizeBySizesModel(null);
        model.Graph.Node.Single(n => n.Name == "hw2_floor").OpType = "Unknown"; // leaves the sizes, so the Resize, unknown
        var e = Assert.Throws<InvalidOperationException>(() => ModelStatistics.Compute(model));
        Assert.Contains("Conv 'c1'", e.Message);
        Assert.Contains("Unknown 'hw2_floor'", e.Message);
    }
}
