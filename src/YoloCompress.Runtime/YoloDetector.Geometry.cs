using System.Globalization;

namespace YoloCompress.Runtime;

public sealed partial class YoloDetector
{
    /// <summary>The input geometry a model declares: its fixed height and width, or, where they are symbolic,
    /// per-image rectangles at the <c>imgsz</c> and <c>stride</c> its metadata names (640 and 32 by default).</summary>
    private static InputGeometry ReadGeometry(int[] dims, IReadOnlyDictionary<string, string> meta, string source)
    {
        if (dims.Length != 4 || (dims[1] != 3 && dims[1] > 0))
            throw new InvalidDataException($"Model '{source}' input has shape [{string.Join(", ", dims)}]; a YOLOv5 detector takes [batch, 3, height, width].");
        if (dims[2] > 0 && dims[3] > 0)
            return InputGeometry.Fixed(dims[3], dims[2]);
        // Symbolic height and width: per-image rectangles, the long side the imgsz the exporters write ("[640, 640]").
        int longSide = DefaultInputSize;
        if (meta.TryGetValue("imgsz", out var imgsz))
        {
            var parts = imgsz.Trim('[', ']', '(', ')', ' ').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && h > 0 && w > 0)
                longSide = Math.Max(h, w);
        }
        int stride = meta.TryGetValue("stride", out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int st) && st > 0
            ? st : DefaultStride;
        return longSide % stride == 0 ? InputGeometry.PerImage(longSide, stride) : InputGeometry.Fixed(longSide, longSide);
    }
}
