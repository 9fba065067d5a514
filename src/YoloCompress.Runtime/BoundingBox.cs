namespace YoloCompress.Runtime;

/// <summary>An axis-aligned box in pixels: left, top, right, bottom (xyxy).</summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;

    public float Height => Y2 - Y1;

    /// <summary>The area, 0 for an empty or inverted box.</summary>
    public float Area => Math.Max(0f, X2 - X1) * Math.Max(0f, Y2 - Y1);

    /// <summary>A box from its centre and size (the model's cx, cy, w, h).</summary>
    public static BoundingBox FromCenter(float cx, float cy, float w, float h) =>
        new(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);

    /// <summary>Intersection over union; 0 when the boxes do not overlap.</summary>
    public static float IoU(in BoundingBox a, in BoundingBox b)
    {
        float iw = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        float ih = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (iw <= 0 || ih <= 0)
            return 0f;
        float inter = iw * ih;
        return inter / (a.Area + b.Area - inter);
    }

    public override string ToString() => FormattableString.Invariant($"[{X1:0.0}, {Y1:0.0}, {X2:0.0}, {Y2:0.0}]");
}
