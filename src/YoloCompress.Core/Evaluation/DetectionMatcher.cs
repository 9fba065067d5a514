using YoloCompress.Runtime;

namespace YoloCompress.Core.Evaluation;

/// <summary>Which detections of one image are true positives at each IoU threshold: ultralytics
/// v7.0 <c>val.py</c> <c>process_batch</c>.</summary>
/// <remarks>
/// For each threshold, every (label, detection) pair of the same class with IoU &gt;= threshold is a
/// candidate match. Candidates are ordered by IoU, best first; each detection keeps its best
/// candidate; then each label keeps, among those, the one of the <em>lowest detection index</em>
/// (the reference re-orders by detection index between the two steps and does not sort by IoU
/// again). Detections come from NMS best first, so that is the most confident one.
/// </remarks>
public static class DetectionMatcher
{
    /// <summary>The ten COCO thresholds 0.50:0.05:0.95, computed as <c>torch.linspace(0.5, 0.95, 10)</c>
    /// in float32 (so that comparisons at the boundaries agree with the reference).</summary>
    public static IReadOnlyList<float> IouThresholds { get; } = TorchLinspace(0.5f, 0.95f, 10);

    /// <summary>Marks true positives: <c>result[d * thresholds + t]</c> is true when detection
    /// <c>d</c> matches a label at threshold <c>t</c>.</summary>
    /// <param name="detections">The image's detections, best first (NMS order), boxes in image pixels.</param>
    /// <param name="labels">The image's labels: class and box in the same pixels.</param>
    /// <param name="correct">Receives <c>detections.Count * IouThresholds.Count</c> flags.</param>
    public static void Match(IReadOnlyList<Detection> detections, IReadOnlyList<(int ClassId, BoundingBox Box)> labels, Span<bool> correct)
    {
        int nd = detections.Count, nl = labels.Count, nt = IouThresholds.Count;
        if (correct.Length < nd * nt)
            throw new ArgumentException("The result span is too short.", nameof(correct));
        correct[..(nd * nt)].Clear();
        if (nd == 0 || nl == 0)
            return;

        // IoU of every same-class pair that clears the lowest threshold (the only ones that can match).
        var pairs = new List<(int Label, int Detection, float Iou, int Order)>();
        for (int l = 0; l < nl; l++)
        {
            for (int d = 0; d < nd; d++)
            {
                if (labels[l].ClassId != detections[d].ClassId)
                    continue;
                float iou = BoxIou(labels[l].Box, detections[d].Box);
                if (iou >= IouThresholds[0])
                    pairs.Add((l, d, iou, pairs.Count));
            }
        }
        if (pairs.Count == 0)
            return;

        // Best IoU first. numpy's argsort()[::-1] reverses ties; a stable sort reversed does the same
        // for the small arrays seen here (numpy sorts those by insertion, which is stable).
        pairs.Sort((a, b) => a.Iou != b.Iou ? b.Iou.CompareTo(a.Iou) : b.Order.CompareTo(a.Order));

        var detectionTaken = new bool[nd];
        var labelTaken = new bool[nl];
        var bestPerDetection = new List<(int Label, int Detection)>(pairs.Count);
        for (int t = 0; t < nt; t++)
        {
            float threshold = IouThresholds[t];
            Array.Clear(detectionTaken);
            Array.Clear(labelTaken);
            bestPerDetection.Clear();
            // np.unique(matches[:, 1], return_index=True): each detection's first (best-IoU) pair...
            foreach (var p in pairs)
            {
                if (p.Iou >= threshold && !detectionTaken[p.Detection])
                {
                    detectionTaken[p.Detection] = true;
                    bestPerDetection.Add((p.Label, p.Detection));
                }
            }
            // ...in detection order; then np.unique(matches[:, 0]): each label's first in that order.
            bestPerDetection.Sort((a, b) => a.Detection.CompareTo(b.Detection));
            foreach (var (label, detection) in bestPerDetection)
            {
                if (labelTaken[label])
                    continue;
                labelTaken[label] = true;
                correct[detection * nt + t] = true;
            }
        }
    }

    /// <summary>IoU as ultralytics <c>box_iou</c> (float32, eps 1e-7 in the denominator).</summary>
    public static float BoxIou(in BoundingBox a, in BoundingBox b)
    {
        float w = Math.Max(0f, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1));
        float h = Math.Max(0f, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        float inter = w * h;
        return inter / ((a.X2 - a.X1) * (a.Y2 - a.Y1) + (b.X2 - b.X1) * (b.Y2 - b.Y1) - inter + 1e-7f);
    }

    // torch.linspace on CPU: float step, the first half counted from the start, the rest from the end.
    private static float[] TorchLinspace(float start, float end, int steps)
    {
        var values = new float[steps];
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++)
            values[i] = i < halfway ? start + step * i : end - step * (steps - i - 1);
        return values;
    }
}
