using YoloCompress.Runtime;

namespace YoloCompress.Core.Evaluation;

/// <summary>Collects, image by image, which detections are true positives, then computes mAP as
/// ultralytics v7.0 <c>ap_per_class</c>. Holds only a few bytes a detection and a label.</summary>
public sealed class MapAccumulator
{
    private readonly IReadOnlyList<string> _names;
    private readonly List<(float Confidence, int ClassId, ushort Correct)> _detections = [];
    private readonly Dictionary<int, (int Instances, int Images)> _labelsByClass = [];
    private bool[] _correct = new bool[300 * 10];

    /// <param name="names">Class names by id, for the per-class table ("class N" beyond them).</param>
    public MapAccumulator(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = names;
    }

    /// <summary>Images added so far.</summary>
    public int Images { get; private set; }

    /// <summary>Labels added so far.</summary>
    public int Instances { get; private set; }

    /// <summary>Adds one image: its detections (best first, as NMS returns them) and its labels,
    /// both in the image's pixels.</summary>
    public void Add(IReadOnlyList<Detection> detections, IReadOnlyList<(int ClassId, BoundingBox Box)> labels)
    {
        ArgumentNullException.ThrowIfNull(detections);
        ArgumentNullException.ThrowIfNull(labels);
        int thresholds = DetectionMatcher.IouThresholds.Count;
        if (_correct.Length < detections.Count * thresholds)
            _correct = new bool[detections.Count * thresholds];
        var correct = _correct.AsSpan(0, detections.Count * thresholds);
        DetectionMatcher.Match(detections, labels, correct);

        for (int d = 0; d < detections.Count; d++)
        {
            ushort mask = 0;
            for (int t = 0; t < thresholds; t++)
                if (correct[d * thresholds + t])
                    mask |= (ushort)(1 << t);
            _detections.Add((detections[d].Confidence, detections[d].ClassId, mask));
        }

        foreach (var group in labels.GroupBy(l => l.ClassId))
        {
            _labelsByClass.TryGetValue(group.Key, out var counts);
            _labelsByClass[group.Key] = (counts.Instances + group.Count(), counts.Images + 1);
        }
        Images++;
        Instances += labels.Count;
    }

    /// <summary>mAP and the per-class table over everything added.</summary>
    public MapResult Compute()
    {
        int thresholds = DetectionMatcher.IouThresholds.Count;
        const int CurvePoints = 1000;
        const double Eps = 1e-16;

        // np.argsort(-conf): best first (stable here; the reference's order of exact ties is unspecified).
        var order = Enumerable.Range(0, _detections.Count)
            .OrderByDescending(i => _detections[i].Confidence)
            .ToArray();

        var classes = _labelsByClass.Keys.Order().ToArray();
        // Each class's detections, best first: one pass over all detections instead of one per class.
        var byClass = order.GroupBy(i => _detections[i].ClassId).ToDictionary(g => g.Key, g => g.ToArray());
        var px = new double[CurvePoints];
        for (int i = 0; i < CurvePoints; i++)
            px[i] = i == CurvePoints - 1 ? 1.0 : i * (1.0 / (CurvePoints - 1));

        var ap = new double[classes.Length, thresholds];
        var pCurve = new double[classes.Length, CurvePoints];
        var rCurve = new double[classes.Length, CurvePoints];

        for (int ci = 0; ci < classes.Length; ci++)
        {
            int cls = classes[ci];
            int nl = _labelsByClass[cls].Instances;
            var mine = byClass.GetValueOrDefault(cls, []);
            int np = mine.Length;
            if (np == 0 || nl == 0)
                continue;

            var negConf = new double[np];
            var recall = new double[thresholds][];
            var precision = new double[thresholds][];
            for (int t = 0; t < thresholds; t++)
            {
                recall[t] = new double[np];
                precision[t] = new double[np];
                int tp = 0;
                for (int k = 0; k < np; k++)
                {
                    if ((_detections[mine[k]].Correct & (1 << t)) != 0)
                        tp++;
                    int fp = k + 1 - tp;
                    recall[t][k] = tp / (nl + Eps);
                    precision[t][k] = tp / (double)(tp + fp);
                }
            }
            for (int k = 0; k < np; k++)
                negConf[k] = -(double)_detections[mine[k]].Confidence;

            for (int i = 0; i < CurvePoints; i++)
            {
                rCurve[ci, i] = AveragePrecision.Interp(-px[i], negConf, recall[0], left: 0);
                pCurve[ci, i] = AveragePrecision.Interp(-px[i], negConf, precision[0], left: 1);
            }
            for (int t = 0; t < thresholds; t++)
                ap[ci, t] = AveragePrecision.Compute(recall[t], precision[t]);
        }

        // The confidence of maximum (smoothed) mean F1 decides P and R.
        var f1Mean = new double[CurvePoints];
        for (int i = 0; i < CurvePoints; i++)
        {
            double sum = 0;
            for (int ci = 0; ci < classes.Length; ci++)
            {
                double p = pCurve[ci, i], r = rCurve[ci, i];
                sum += 2 * p * r / (p + r + Eps);
            }
            f1Mean[i] = classes.Length == 0 ? 0 : sum / classes.Length;
        }
        var smoothed = AveragePrecision.Smooth(f1Mean, 0.1);
        int best = 0;
        for (int i = 1; i < smoothed.Length; i++)
            if (smoothed[i] > smoothed[best])
                best = i;

        var perClass = new ClassAccuracy[classes.Length];
        for (int ci = 0; ci < classes.Length; ci++)
        {
            int cls = classes[ci];
            double apMean = 0;
            for (int t = 0; t < thresholds; t++)
                apMean += ap[ci, t];
            apMean /= thresholds;
            var (instances, images) = _labelsByClass[cls];
            perClass[ci] = new ClassAccuracy(cls, cls < _names.Count ? _names[cls] : "class " + cls, images, instances,
                pCurve[ci, best], rCurve[ci, best], ap[ci, 0], apMean);
        }

        return new MapResult(Images, Instances,
            Mean(perClass.Select(c => c.Precision)), Mean(perClass.Select(c => c.Recall)),
            Mean(perClass.Select(c => c.Ap50)), Mean(perClass.Select(c => c.Ap50To95)), perClass);
    }

    private static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (var v in values)
        {
            sum += v;
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }
}
