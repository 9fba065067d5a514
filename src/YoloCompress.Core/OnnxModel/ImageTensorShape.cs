using System.Runtime.CompilerServices;
using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>The concrete [1, 3, H, W] shape of one image tensor fed to a model. Images travel through every stage as
/// plain float CHW arrays; for a model with a fixed input the shape is the model's. A model with symbolic height and
/// width (per-image shapes) takes each image at its own rectangle: the letterbox that made the array records its
/// height and width here, keyed by the array itself (so the stages that pass images along need no second list that
/// could fall out of step); an array nobody recorded is taken as a square.</summary>
public static class ImageTensorShape
{
    private static readonly ConditionalWeakTable<float[], long[]> Recorded = new();

    /// <summary>Records that <paramref name="chw"/> holds a 3 x <paramref name="height"/> x <paramref name="width"/> image.</summary>
    public static float[] Record(float[] chw, int width, int height)
    {
        if (chw.Length != 3L * width * height)
            throw new ArgumentException($"A 3x{height}x{width} image is {3L * width * height} floats, not {chw.Length}.", nameof(chw));
        Recorded.AddOrUpdate(chw, [1, 3, height, width]);
        return chw;
    }

    /// <summary>The shape to feed <paramref name="chw"/> to <paramref name="input"/> with: the input's fixed dimensions,
    /// the recorded height and width where they are symbolic, else a square of the array's size.</summary>
    public static long[] For(ValueInfoProto input, float[] chw)
    {
        var dims = input.Type.TensorType.Shape.Dim;
        var shape = dims.Select(d => d.DimValue > 0 ? d.DimValue : 1L).ToArray();
        if (dims.Count != 4 || (dims[2].DimValue > 0 && dims[3].DimValue > 0))
            return shape;
        if (Recorded.TryGetValue(chw, out var recorded))
            return recorded;
        long side = (long)Math.Round(Math.Sqrt(chw.Length / (double)Math.Max(shape[1], 1)));
        if (shape[1] * side * side != chw.Length)
            throw new ArgumentException($"Input '{input.Name}' has a symbolic height and width, and an image of {chw.Length} floats is neither recorded nor square.");
        return [1, shape[1], side, side];
    }
}
