using YoloCompress.Runtime;

namespace YoloCompress.Core.Pipeline;

/// <summary>What an input geometry costs relative to its largest input. Every conv's output area is the input's area
/// over its stride squared, so conv FLOPs scale exactly with the input's area: a per-image-shape model costs its
/// largest input's FLOPs times the mean area fraction of the images' rectangles.</summary>
internal static class GeometryCost
{
    /// <summary>1 for a fixed input; for per-image shapes the mean of (rectangle area / largest area) over
    /// <paramref name="images"/> (1 without images: the worst case).</summary>
    public static double AreaFraction(InputGeometry geometry, IReadOnlyList<(int Width, int Height)>? images)
    {
        if (!geometry.IsPerImage || images is not { Count: > 0 })
            return 1.0;
        double largest = (double)geometry.Width * geometry.Height;
        return images.Average(i =>
        {
            var t = geometry.Plan(i.Width, i.Height);
            return t.InputWidth * (double)t.InputHeight / largest;
        });
    }
}
