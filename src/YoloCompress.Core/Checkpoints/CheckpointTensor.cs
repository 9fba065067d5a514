namespace YoloCompress.Core.Checkpoints;

/// <summary>A parameter or buffer of the checkpoint, converted to float32, contiguous in row-major order.</summary>
/// <param name="Name">Module path plus tensor name, e.g. <c>model.0.conv.weight</c>.</param>
/// <param name="Shape">Dimensions as torch reports them (empty for a scalar).</param>
/// <param name="Data">The values; its length is the product of <paramref name="Shape"/>.</param>
public sealed record CheckpointTensor(string Name, int[] Shape, float[] Data)
{
    public long ElementCount => Data.LongLength;

    /// <summary>"[16, 3, 6, 6]", for messages.</summary>
    public string ShapeText => FormatShape(Shape);

    public static string FormatShape(IEnumerable<int> shape) => "[" + string.Join(", ", shape) + "]";

    public bool HasShape(params int[] shape) => Shape.AsSpan().SequenceEqual(shape);
}
