using Onnx;
using YoloCompress.Core.OnnxModel;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Tests.Quantization;

/// <summary>The small BN-folded graphs the quantization tests run (built with <see cref="TinyGraph"/>),
/// their inputs, and how far two outputs differ.</summary>
internal static class TinyModels
{
    public const int Size = 16;

    /// <summary>images [1,3,16,16] -> Conv(3->8, 3x3) -> SiLU (Sigmoid, Mul) -> Conv(8->4, 1x1) -> output0.</summary>
    public static ModelProto ConvSiluConv(int seed = 1)
    {
        var b = new TinyGraph(size: Size, seed: seed);
        var x = b.FoldedConvSilu("model.0", "images", 8, 3);
        b.FoldedConv("model.1.conv", x, 4, 1, output: "output0");
        b.Output("output0", 1, 4, Size, Size);
        return b.Model;
    }

    /// <summary>A C3-like block: Conv+SiLU, a residual Add, a Concat of two branches, an SPPF-like
    /// MaxPool chain with Concat, a final Conv.</summary>
    public static ModelProto ResidualConcatMaxPool(int seed = 2)
    {
        var b = new TinyGraph(size: Size, seed: seed);
        var a = b.FoldedConvSilu("model.0", "images", 8, 3);
        var c1 = b.FoldedConvSilu("model.1.cv1", a, 8, 1);
        var c2 = b.FoldedConvSilu("model.1.m.0", c1, 8, 3);
        var add = b.Binary("Add", "model.1.add", c1, c2);
        var side = b.FoldedConvSilu("model.1.cv2", a, 8, 1);
        var cat = b.Concat("model.1.cat", add, side);
        var p = b.FoldedConvSilu("model.2.cv1", cat, 8, 1);
        var m1 = b.MaxPool("model.2.m", p);
        var m2 = b.MaxPool("model.2.m_1", m1);
        var cat2 = b.Concat("model.2.cat", p, m1, m2);
        b.FoldedConv("model.3.conv", cat2, 6, 1, output: "output0");
        b.Output("output0", 1, 6, Size, Size);
        return b.Model;
    }

    /// <summary>ConvSiluConv followed by a YOLO-like decode tail: Reshape, Sigmoid, Mul by a constant, Add.</summary>
    public static ModelProto WithDecodeTail(int seed = 3)
    {
        var b = new TinyGraph(size: Size, seed: seed);
        var x = b.FoldedConvSilu("model.0", "images", 8, 3);
        var logits = b.FoldedConv("model.24.m.0", x, 4, 1);
        b.Graph.Initializer.Add(OnnxTensors.Int64("shape", [3], [1, 4, Size * Size]));
        b.Graph.Node.Add(Node("Reshape", "model.24.reshape", [logits, "shape"], ["model.24.reshape"]));
        b.Graph.Node.Add(Node("Sigmoid", "model.24.sigmoid", ["model.24.reshape"], ["model.24.sigmoid"]));
        b.Graph.Initializer.Add(OnnxTensors.Float("stride", [], [8f]));
        b.Graph.Node.Add(Node("Mul", "model.24.mul", ["model.24.sigmoid", "stride"], ["model.24.mul"]));
        b.Graph.Node.Add(Node("Add", "model.24.add", ["model.24.mul", "model.24.sigmoid"], ["output0"]));
        b.Output("output0", 1, 4, Size * Size);
        return b.Model;
    }

    /// <summary>Deterministic pseudo-images in [0, 1], in steps of 1/255 like decoded pixels.</summary>
    public static IReadOnlyList<float[]> Inputs(int count, int seed = 7)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var x = new float[3 * Size * Size];
            for (int i = 0; i < x.Length; i++) x[i] = random.Next(256) / 255f;
            return x;
        }).ToArray();
    }

    public static float MaxAbsDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    /// <summary>RMS of the difference over the RMS of the reference's deviation from its mean.</summary>
    public static double RelativeRms(float[] expected, float[] actual)
    {
        double mean = expected.Average();
        double error = expected.Zip(actual, (e, a) => (double)(e - a) * (e - a)).Average();
        double spread = expected.Average(e => (e - mean) * (e - mean));
        return Math.Sqrt(error / spread);
    }

    public static float Range(float[] a) => a.Max() - a.Min();
}
