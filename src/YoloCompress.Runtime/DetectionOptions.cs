namespace YoloCompress.Runtime;

/// <summary>Post-processing settings; the defaults are ultralytics <c>detect.py</c>'s.</summary>
public readonly record struct DetectionOptions
{
    /// <summary>The defaults: confidence 0.25, IoU 0.45, 300 detections, best class only, per-class suppression.</summary>
    public DetectionOptions()
    {
    }

    /// <summary>Minimum confidence (objectness, and objectness x class) to keep a box. Default 0.25.</summary>
    public float Confidence { get; init; } = 0.25f;

    /// <summary>Boxes overlapping a better one by more than this IoU are dropped. Default 0.45.</summary>
    public float Iou { get; init; } = 0.45f;

    /// <summary>At most this many detections per image. Default 300.</summary>
    public int MaxDetections { get; init; } = 300;

    /// <summary>One detection per class above the threshold for each box, instead of only the
    /// best class. Default false (true for mAP evaluation).</summary>
    public bool MultiLabel { get; init; }

    /// <summary>Suppress overlapping boxes across classes, not only within a class. Default false.</summary>
    public bool Agnostic { get; init; }

    /// <summary>The settings of the reference validator (<c>val.py</c>): confidence 0.001, IoU 0.6,
    /// multi-label, 300 detections.</summary>
    public static DetectionOptions Evaluation { get; } = new()
    {
        Confidence = 0.001f,
        Iou = 0.6f,
        MultiLabel = true,
        MaxDetections = 300,
    };

    internal void Validate()
    {
        if (!(Confidence >= 0 && Confidence <= 1))
            throw new ArgumentOutOfRangeException(nameof(Confidence), Confidence, "Confidence must be between 0 and 1.");
        if (!(Iou >= 0 && Iou <= 1))
            throw new ArgumentOutOfRangeException(nameof(Iou), Iou, "Iou must be between 0 and 1.");
        if (MaxDetections <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxDetections), MaxDetections, "MaxDetections must be positive.");
    }
}
