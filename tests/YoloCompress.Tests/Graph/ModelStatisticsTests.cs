using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Graph;

public class ModelStatisticsTests
{
    private static readonly Lazy<ModelProto> Yolov5n = new(() => YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n)));

    [Fact]
    public void Yolov5n_has_ultralytics_parameter_count_and_flops()
    {
        var unfolded = ModelStatistics.Compute(Yolov5n.Value);
        var folded = ModelStatistics.Compute(BatchNormFolding.Fold(Yolov5n.Value));

        Assert.Equal(1_867_405, folded.Parameters);   // "1867405 parameters" after fuse()
        Assert.Equal(1_872_157, unfolded.Parameters); // torch's count before fusing
        Assert.Equal(640, folded.InputHeight);
        // ultralytics reports 4.5 GFLOPs at 640 (thop: convolutions only, 2 x MACs).
        Assert.InRange(folded.GigaFlops, 4.45, 4.55);
        Assert.Equal(unfolded.Flops, folded.Flops);
    }

    [Fact]
    public void Flops_scale_with_the_input_area()
    {
        var ckpt = CheckpointReader.Read(TestData.Yolov5n);
        var at320 = ModelStatistics.Compute(YoloGraphBuilder.Build(ckpt, 320));
        Assert.Equal(ModelStatistics.Compute(Yolov5n.Value).Flops, at320.Flops * 4);
        Assert.Throws<ArgumentException>(() => ModelStatistics.Compute(Yolov5n.Value, 320));
    }

    [SharedDataTheory("weights")]
    [MemberData(nameof(GraphBuilderTests.Checkpoints), MemberType = typeof(GraphBuilderTests))]
    public void Unfolded_parameters_equal_the_checkpoints_torch_count(string file)
    {
        var ckpt = CheckpointReader.Read(TestData.Weights(file));
        var stats = ModelStatistics.Compute(YoloGraphBuilder.Build(ckpt));
        Assert.Equal(ckpt.ParameterCount, stats.Parameters);
        Assert.True(stats.Flops > 1e9);
    }

    [Fact]
    public void A_qdq_model_whose_weights_come_through_DequantizeLinear_counts_the_same()
    {
        var folded = BatchNormFolding.Fold(Yolov5n.Value);
        var quantized = QuantizeForTest(folded);
        Assert.Contains(quantized.Graph.Node, n => n.OpType == "DequantizeLinear");
        Assert.DoesNotContain(quantized.Graph.Initializer, t => t.Name == "model.0.conv.weight");

        var expected = ModelStatistics.Compute(folded);
        var actual = ModelStatistics.Compute(quantized);
        Assert.Equal(expected.Parameters, actual.Parameters);
        Assert.Equal(expected.Flops, actual.Flops);
        // and the test model is a valid QDQ model
        var (_, shape) = OrtRunner.Run(quantized, OrtRunner.RandomImage(640), 640);
        Assert.Equal(new[] { 1, 25200, 85 }, shape);
    }

    [Fact]
    public void A_symbolic_input_size_needs_the_size()
    {
        var model = Yolov5n.Value.Clone();
        var dims = model.Graph.Input[0].Type.TensorType.Shape.Dim;
        dims[2] = new TensorShapeProto.Types.Dimension { DimParam = "height" };
        dims[3] = new TensorShapeProto.Types.Dimension { DimParam = "width" };

        // A per-image-shape model of ours names its largest input in imgsz: it is measured there.
        Assert.Equal(ModelStatistics.Compute(Yolov5n.Value).Flops, ModelStatistics.Compute(model).Flops);
        var unnamed = model.Clone();
        unnamed.MetadataProps.Remove(unnamed.MetadataProps.Single(p => p.Key == "imgsz"));
        Assert.Throws<ArgumentException>(() => ModelStatistics.Compute(unnamed));
        Assert.Equal(ModelStatistics.Compute(Yolov5n.Value).Flops, ModelStatistics.Compute(unnamed, 640).Flops);
    }

    /// <summary>A QDQ model like ONNX Runtime's quantizer writes: per-channel int8 weights behind
    /// DequantizeLinear, and a uint8 QuantizeLinear/DequantizeLinear pair on every Conv input.</summary>
    private static ModelProto QuantizeForTest(ModelProto source)
    {
        var model = source.Clone();
        var graph = model.Graph;
        var nodes = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            if (node.OpType == "Conv")
            {
                var weight = graph.Initializer.Single(t => t.Name == node.Input[1]);
                var w = OnnxTensors.ToFloatArray(weight);
                int channels = (int)weight.Dims[0], per = w.Length / channels;
                var scales = new float[channels];
                var q = new byte[w.Length];
                for (int c = 0; c < channels; c++)
                {
                    float max = 1e-8f;
                    for (int k = c * per; k < (c + 1) * per; k++) max = Math.Max(max, Math.Abs(w[k]));
                    scales[c] = max / 127f;
                    for (int k = c * per; k < (c + 1) * per; k++) q[k] = (byte)(sbyte)Math.Round(w[k] / scales[c]);
                }
                graph.Initializer.Remove(weight);
                graph.Initializer.Add(OnnxTensors.Raw(weight.Name + "_quantized", TensorProto.Types.DataType.Int8, weight.Dims.ToArray(), q));
                graph.Initializer.Add(OnnxTensors.Float(weight.Name + "_scale", new long[] { channels }, scales));
                graph.Initializer.Add(OnnxTensors.Raw(weight.Name + "_zero_point", TensorProto.Types.DataType.Int8, new long[] { channels }, new byte[channels]));
                nodes.Add(OnnxNodes.Node("DequantizeLinear", weight.Name + "_DequantizeLinear",
                    new[] { weight.Name + "_quantized", weight.Name + "_scale", weight.Name + "_zero_point" }, new[] { weight.Name }, OnnxNodes.Int("axis", 0)));

                var x = node.Input[0];
                var s = graph.Initializer.Any(t => t.Name == "act_scale") ? "act_scale" : null;
                if (s is null)
                {
                    graph.Initializer.Add(OnnxTensors.Float("act_scale", ReadOnlySpan<long>.Empty, new[] { 0.05f }));
                    graph.Initializer.Add(OnnxTensors.Raw("act_zero_point", TensorProto.Types.DataType.Uint8, ReadOnlySpan<long>.Empty, new byte[] { 10 }));
                }
                nodes.Add(OnnxNodes.Node("QuantizeLinear", node.Name + "_input_q", new[] { x, "act_scale", "act_zero_point" }, new[] { node.Name + "_input_q" }));
                nodes.Add(OnnxNodes.Node("DequantizeLinear", node.Name + "_input_dq", new[] { node.Name + "_input_q", "act_scale", "act_zero_point" }, new[] { node.Name + "_input_dq" }));
                node.Input[0] = node.Name + "_input_dq";
            }
            nodes.Add(node);
        }
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        return model;
    }
}
