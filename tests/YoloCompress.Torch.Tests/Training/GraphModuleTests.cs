using YoloCompress.Tests.Support;
using YoloCompress.Torch.Training;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Tests.Training;

public class GraphModuleTests
{
    /// <summary>Every output value within 1e-4 of ONNX Runtime's, relative to the value's scale where it is above 1
    /// (box centres and sizes are in pixels, up to the input size).</summary>
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            if (error > worst) (worst, at) = (error, i);
        }
        Assert.True(worst <= 1e-4, $"largest scaled difference {worst:G3} at {at}: ORT {expected[Math.Max(at, 0)]} torch {actual[Math.Max(at, 0)]}");
    }

    private static float[] TorchForward(GraphModule module, float[] input, int size)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return module.Forward(tensor(input, [1, 3, size, size])).data<float>().ToArray();
    }

    [Theory]
    [InlineData(640)]
    [InlineData(320)]
    public void ForwardMatchesOnnxRuntimeOnARealImage(int size)
    {
        var model = Yolov5nGraphs.Working(size);
        var input = Yolov5nGraphs.Letterboxed(TestData.Reference("bus.jpg"), size);
        using var module = new GraphModule(model);

        AssertClose(Yolov5nGraphs.RunOnnxRuntime(model, input, size), TorchForward(module, input, size));
    }

    [Fact]
    public void EveryConvAndBatchNormParameterGetsAGradient()
    {
        var model = Yolov5nGraphs.Working(320);
        using var module = new GraphModule(model);
        int convs = model.Graph.Node.Count(n => n.OpType == "Conv"), norms = model.Graph.Node.Count(n => n.OpType == "BatchNormalization");
        Assert.Equal(convs * 2 - norms + norms * 2, module.Parameters.Count); // conv weight (+ bias where no BN follows), BN scale and shift

        module.Train();
        using var scope = NewDisposeScope();
        var input = tensor(Yolov5nGraphs.Letterboxed(Yolov5nGraphs.Coco(0), 320), [1, 3, 320, 320]);
        var output = module.Forward(input);
        output[.., .., 4].sum().backward();
        foreach (var (name, p) in module.NamedParameters)
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            double norm = p.grad!.norm().item<float>();
            Assert.True(double.IsFinite(norm) && norm > 0, $"{name}: gradient norm {norm}");
        }
    }

    [Fact]
    public void TrainedWeightsAreWrittenBackIntoTheSameGraph()
    {
        const int size = 320;
        var model = Yolov5nGraphs.Working(size);
        var input = Yolov5nGraphs.Letterboxed(TestData.Reference("zidane.jpg"), size);
        using var module = new GraphModule(model);
        using (no_grad())
            foreach (var p in module.Parameters) p.mul_(1.02f).add_(0.001f);

        var written = module.WriteTo(model);

        Assert.Equal(model.Graph.Node, written.Graph.Node);
        Assert.Equal(model.Graph.Initializer.Select(i => (i.Name, string.Join(",", i.Dims), i.DataType)),
            written.Graph.Initializer.Select(i => (i.Name, string.Join(",", i.Dims), i.DataType)));
        var changed = Yolov5nGraphs.RunOnnxRuntime(written, input, size);
        AssertClose(changed, TorchForward(module, input, size));
        var before = Yolov5nGraphs.RunOnnxRuntime(model, input, size);
        Assert.True(before.Zip(changed).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "the written weights did not change the output");
    }
}

public class ReferenceExportGraphModuleTests
{
    /// <summary>The reference exporter's opset-12 graph (BN folded, its own Reshape/Resize forms) runs too.</summary>
    [Fact]
    public void TheReferenceExportersGraphMatchesOnnxRuntime()
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Reference("yolov5n-export-opset12.onnx")));
        var input = Yolov5nGraphs.Letterboxed(TestData.Reference("bus.jpg"), 640);
        using var module = new GraphModule(model);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var actual = module.Forward(tensor(input, [1, 3, 640, 640])).data<float>().ToArray();
        var expected = Yolov5nGraphs.RunOnnxRuntime(model, input, 640);
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second) / Math.Max(1, Math.Abs(p.First)));
        Assert.True(worst <= 1e-4, $"largest scaled difference {worst:G3}");
    }
}

public class DetectHeadTests
{
    [Fact]
    public void TheDetectConvsAreFoundInOurGraphAndInTheReferenceExport()
    {
        var ours = DetectHead.Find(Yolov5nGraphs.Working(320));
        var reference = DetectHead.Find(Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Reference("yolov5n-export-opset12.onnx"))));
        foreach (var head in new[] { ours, reference })
        {
            Assert.Equal(3, head.Outputs.Count);
            Assert.Equal(3, head.Anchors);
            Assert.Equal(80, head.Classes);
        }
    }
}
