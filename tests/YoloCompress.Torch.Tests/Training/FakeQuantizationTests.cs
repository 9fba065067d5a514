using YoloCompress.Torch.Native;
using YoloCompress.Torch.Training;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Tests.Training;

public class FakeQuantizationTests
{
    public FakeQuantizationTests() => TorchNativeLoader.EnsureLoaded();

    [Fact]
    public void WeightsTakeAtMost255LevelsPerChannelAndPassGradientsStraightThrough()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var w = randn(4, 3, 3, 3).requires_grad_();
        var q = FakeQuantization.PerChannelWeights(w);
        for (int c = 0; c < 4; c++)
        {
            var values = q[c].data<float>().ToArray();
            float max = w[c].abs().max().item<float>();
            Assert.True(values.Distinct().Count() <= 255);
            Assert.All(values, v => Assert.Equal(0, Math.Abs(v / (max / 127f) - MathF.Round(v / (max / 127f))), 3));
            Assert.Equal(max, values.Max(Math.Abs), 5); // the largest weight is exactly representable
        }
        (q * 3).sum().backward();
        Assert.All(w.grad!.data<float>().ToArray(), g => Assert.Equal(3f, g));
    }

    [Fact]
    public void FourBitWeightsTakeAtMost15LevelsPerChannelOnTheGridTheQuantizerWrites()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var w = randn(4, 8, 3, 3);
        var q = FakeQuantization.PerChannelWeights(w, bits: 4);
        for (int c = 0; c < 4; c++)
        {
            var values = q[c].data<float>().ToArray();
            float step = w[c].abs().max().item<float>() / 7f;
            Assert.True(values.Distinct().Count() <= 15);
            Assert.All(values, v => Assert.Equal(0, Math.Abs(v / step - MathF.Round(v / step)), 3));
            Assert.Equal(7 * step, values.Max(Math.Abs), 5);
        }
    }

    [Fact]
    public void ActivationsSnapToTheUint8GridOfTheirRangeAndClipWithoutGradient()
    {
        using var scope = NewDisposeScope();
        var x = linspace(-2, 8, 1001).requires_grad_();
        var y = FakeQuantization.PerTensor(x, -1f, 6f, signed: false);
        var values = y.data<float>().ToArray();
        float scale = 7f / 255f, zero = MathF.Round(1f / scale);
        Assert.True(values.Distinct().Count() <= 256);
        Assert.Equal(-zero * scale, values.Min(), 5);
        Assert.Equal((255 - zero) * scale, values.Max(), 5);
        y.sum().backward();
        var grad = x.grad!.data<float>().ToArray();
        var xs = x.data<float>().ToArray();
        for (int i = 0; i < xs.Length; i++)
            Assert.Equal(xs[i] >= -zero * scale && xs[i] <= (255 - zero) * scale ? 1f : 0f, grad[i]);
    }

    [Fact]
    public void AFakeQuantizedGraphStaysCloseToFloatAndDiffersFromIt()
    {
        var model = Yolov5nGraphs.Working(320);
        using var module = new GraphModule(model);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = tensor(Yolov5nGraphs.Letterboxed(Yolov5nGraphs.Coco(1), 320), [1, 3, 320, 320]);
        var head = DetectHead.Find(model);
        var reference = module.Forward(input, head.Outputs)[head.Outputs[0]].clone();

        FakeQuantization.Apply(module, _ => 8, new Dictionary<string, (float, float)>());
        var quantized = module.Forward(input, head.Outputs)[head.Outputs[0]];

        double relative = ((quantized - reference).norm() / reference.norm()).item<float>();
        Assert.InRange(relative, 1e-4, 0.2);
        FakeQuantization.Remove(module);
        Assert.Equal(0f, (module.Forward(input, head.Outputs)[head.Outputs[0]] - reference).abs().max().item<float>());
    }
}
