namespace YoloCompress.Runtime;

/// <summary>One detected object.</summary>
/// <param name="ClassId">Index into the model's class names.</param>
/// <param name="Name">The class name (from the model's metadata, or "class N").</param>
/// <param name="Confidence">Objectness times class probability, 0..1.</param>
/// <param name="Box">Where it is, xyxy pixels (original image pixels from
/// <see cref="YoloDetector.Detect(RgbImage, DetectionOptions?)"/>; model-input pixels straight out of <see cref="NonMaxSuppression"/>).</param>
public readonly record struct Detection(int ClassId, string Name, float Confidence, BoundingBox Box)
{
    /// <summary>Name, confidence and box, e.g. <c>person 0.87 [48.0, 399.0, 245.0, 902.0]</c>.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{Name} {Confidence:0.00} {Box}");
}
