using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;
using static YoloCompress.Tests.Graph.ReferenceArchitectures;

namespace YoloCompress.Tests.Graph;

/// <summary>Every generation of official YOLOv5 architecture, rebuilt from its yaml on synthetic weights, against
/// the figures ultralytics prints for the released models: "Model Summary: N layers, P parameters" before fusion
/// (training) and after (detect.py / export.py, where BottleneckCSP's own BN stays unfused).</summary>
public class ReferenceModelTests
{
    [Fact]
    public void The_synthetic_parse_model_writes_exactly_the_tensors_of_the_real_yolov5n()
    {
        var real = CheckpointReader.Read(TestData.Yolov5n);
        var synthetic = SyntheticYolo.Create(V6(0.33, 0.25), P5Strides);
        var expected = real.Tensors.Where(t => !t.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .ToDictionary(t => t.Key, t => string.Join("x", t.Value.Shape));
        var actual = synthetic.Tensors.ToDictionary(t => t.Key, t => string.Join("x", t.Value.Shape));
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(real.ParameterCount, synthetic.ParameterCount);
    }

    [Theory]
    // v6.0-v7.0 yolov5n and yolov5s: 1,872,157 / 1,867,405 and 7,235,389 / 7,225,885 (213 fused layers).
    [InlineData("v6", 0.33, 0.25, 1_872_157L, 1_867_405L)]
    [InlineData("v6", 0.33, 0.50, 7_235_389L, 7_225_885L)]
    // v4.0-v5.0 yolov5s (Focus, C3, SPP): 224 fused layers, 7,266,973 parameters.
    [InlineData("C3", 0.33, 0.50, null, 7_266_973L)]
    public void Parameter_counts_match_the_released_models(string generation, double gd, double gw, long? unfused, long fused)
    {
        var arch = generation == "v6" ? V6(gd, gw) : V3V5(gd, gw, generation);
        var checkpoint = SyntheticYolo.Create(arch, P5Strides);
        if (unfused is { } u) Assert.Equal(u, checkpoint.ParameterCount);
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(checkpoint, 640));
        Assert.Equal(fused, ModelStatistics.Compute(model).Parameters);
        Assert.Equal(25200, model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
    }

    [Fact]
    public void A_v3_bottleneck_csp_model_with_leaky_relu_counts_like_the_release()
    {
        // v3.0 yolov5s: "Fusing layers... Model Summary: 140 layers, 7.45958e+06 parameters" (BottleneckCSP's BN over
        // the concatenation is not fused). Activations were LeakyReLU(0.1) throughout.
        var checkpoint = SyntheticYolo.Create(V3V5(0.33, 0.50, "BottleneckCSP"), P5Strides, act: "LeakyReLU", cspAct: "LeakyReLU");
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(checkpoint, 640));
        Assert.InRange(ModelStatistics.Compute(model).Parameters, 7_459_575L, 7_459_585L);
        Assert.Equal(8, model.Graph.Node.Count(n => n.OpType == "BatchNormalization")); // one a BottleneckCSP
        Assert.All(model.Graph.Node.Where(n => n.OpType == "LeakyRelu"), n => Assert.Equal(0.1f, n.Attribute.Single(a => a.Name == "alpha").F));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Sigmoid" && !n.Name.Contains("decode"));
    }

    [Theory]
    // README (v6.0+): yolov5n6 3.2M, yolov5s6 12.6M parameters (fused, rounded to 0.1M).
    [InlineData(0.33, 0.25, 3.2)]
    [InlineData(0.33, 0.50, 12.6)]
    public void P6_models_count_like_the_release_and_default_to_1280(double gd, double gw, double millions)
    {
        var checkpoint = SyntheticYolo.Create(V6P6(gd, gw), P6Strides);
        Assert.Equal(1280, checkpoint.DefaultInputSize);
        var model = YoloGraphBuilder.Build(checkpoint);
        Assert.Equal(millions, Math.Round(ModelStatistics.Compute(BatchNormFolding.Fold(model)).Parameters / 1e6, 1));
        // 3 anchors x (160^2 + 80^2 + 40^2 + 20^2) cells at 1280
        Assert.Equal(102_000, model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal("1280", model.MetadataProps.Single(p => p.Key == "imgsz").Value.Trim('[', ']').Split(',')[0].Trim());
    }

    [Fact]
    public void A_yolov5n6_runs_at_its_default_1280_with_four_levels_of_rows()
    {
        var checkpoint = SyntheticYolo.Create(V6P6(0.33, 0.25, nc: 3), P6Strides);
        var (output, shape) = OrtRunner.Run(BatchNormFolding.Fold(YoloGraphBuilder.Build(checkpoint)), OrtRunner.RandomImage(1280, seed: 3), 1280);
        Assert.Equal(new[] { 1, 102_000, 8 }, shape);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        // The last level's first cell: stride 64, so its x centre lies within (-0.5 .. 1.5) * 64.
        int row = 3 * (160 * 160 + 80 * 80 + 40 * 40);
        Assert.InRange(output[row * 8], -32f, 96f);
    }

    [Fact]
    public void The_recorded_training_size_is_the_default_input_size()
    {
        var checkpoint = SyntheticYolo.Create(V6(0.33, 0.25), P5Strides);
        Assert.Equal(640, checkpoint.DefaultInputSize);
        Assert.Equal(320, (checkpoint with { TrainingImageSize = 320 }).DefaultInputSize);
        Assert.Equal(352, (checkpoint with { TrainingImageSize = 330 }).DefaultInputSize); // rounded up to a multiple of 32
        var model = YoloGraphBuilder.Build(checkpoint with { TrainingImageSize = 320 });
        Assert.Equal(3 * (40 * 40 + 20 * 20 + 10 * 10), model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
    }
}
