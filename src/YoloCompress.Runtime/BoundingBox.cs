namespace YoloCompress.Runtime;

/// <summary>An axis-aligned box in pixels: left, top, right, bottom (xyxy).</summary>
public readonly record struct BoundingBox(float X1, float Y1, float X2, float Y2)
{
    /// <summary>Right minus left (negative for an inverted box).</summary>
    public float Width => X2 - X1;

    /// <summary>Bottom minus top (negative for an inverted box).</summary>
    public float Height => Y2 - Y1;

    /// <summary>The area, 0 for an empty or inverted box.</summary>
    public float Area => Math.Max(0f, X2 - X1) * Math.Max(0f, Y2 - Y1);

    /// <summary>A box from its centre and size (the model's cx, cy, w, h).</summary>
    public static BoundingBox FromCenter(float cx, float cy, float w, float h) =>
        new(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2);

    /// <summary>The corners, one decimal: <c>[x1, y1, x2, y2]</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"[{X1:0.0}, {Y1:0.0}, {X2:0.0}, {Y2:0.0}]");
}
