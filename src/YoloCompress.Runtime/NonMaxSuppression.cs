namespace YoloCompress.Runtime;

/// <summary>Turns the raw YOLOv5 output of one image (<c>[anchors, 5 + classes]</c>: cx, cy, w, h,
/// objectness, class probabilities) into detections, exactly as ultralytics v7.0
/// <c>non_max_suppression</c> does.</summary>
/// <remarks>
/// Candidates need objectness &gt; threshold; their confidence is objectness x class probability
/// (every class above the threshold with <see cref="DetectionOptions.MultiLabel"/>, else the best
/// one); at most 30000 by confidence go on; boxes are shifted by <c>class * 7680</c> (unless
/// agnostic) so that classes never overlap, then greedy IoU suppression as torchvision's
/// <c>nms</c> (stable sort by score, suppress when IoU &gt; threshold); at most
/// <see cref="DetectionOptions.MaxDetections"/> kept. Because shifted boxes of different classes
/// never overlap, suppression runs per class (much faster), computed on the shifted coordinates so
/// that float rounding is the reference's too. An instance reuses its buffers: not thread-safe.
/// </remarks>
public sealed class NonMaxSuppression
{
    /// <summary>ultralytics <c>max_wh</c>: the per-class box offset.</summary>
    internal const float ClassOffset = 7680f;

    /// <summary>ultralytics <c>max_nms</c>: candidates kept for suppression, best first.</summary>
    internal const int MaxCandidates = 30000;

    private long[] _order = new long[1024];       // sort keys: (descending score, candidate index)
    private int[] _rows = new int[1024];          // candidate -> anchor row
    private int[] _classes = new int[1024];       // candidate -> class
    private float[] _scores = new float[1024];    // candidate -> confidence
    private BoundingBox[] _shifted = new BoundingBox[1024]; // kept-box geometry, class-shifted
    private List<int>[] _keptByClass = [];
    private readonly List<int> _kept = [];

    /// <summary>Suppresses <paramref name="output"/> (one image, row-major) into
    /// <paramref name="results"/> (cleared first), best first, boxes in model-input pixels.</summary>
    /// <param name="output">The model output for one image: <c>rows * columns</c> floats.</param>
    /// <param name="columns">5 + the number of classes.</param>
    /// <param name="options">Thresholds and limits.</param>
    /// <param name="names">Class names for <see cref="Detection.Name"/>; empty names when null.</param>
    /// <param name="results">Receives the detections.</param>
    public void Run(ReadOnlySpan<float> output, int columns, in DetectionOptions options, IReadOnlyList<string>? names, List<Detection> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        options.Validate();
        if (columns < 6)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, "A YOLO output row has 5 + classes (at least 6) values.");
        if (output.Length % columns != 0)
            throw new ArgumentException($"The output has {output.Length} values, not a multiple of the row length {columns}.", nameof(output));
        results.Clear();

        int classCount = columns - 5;
        int candidates = CollectCandidates(output, columns, classCount, options);
        if (candidates == 0)
            return;

        // Best first; ties keep output order (a stable sort, as torchvision's nms).
        Array.Sort(_order, 0, candidates);
        int considered = Math.Min(candidates, MaxCandidates);
        Suppress(output, columns, classCount, considered, options);

        int count = Math.Min(_kept.Count, options.MaxDetections);
        for (int k = 0; k < count; k++)
        {
            int c = _kept[k];
            int cls = _classes[c];
            results.Add(new Detection(cls, names is not null && cls < names.Count ? names[cls] : string.Empty,
                _scores[c], Box(output, _rows[c] * columns)));
        }
    }

    /// <summary>Convenience: a new instance, one call.</summary>
    public static List<Detection> Apply(ReadOnlySpan<float> output, int columns, DetectionOptions options, IReadOnlyList<string>? names = null)
    {
        var results = new List<Detection>();
        new NonMaxSuppression().Run(output, columns, options, names, results);
        return results;
    }

    private int CollectCandidates(ReadOnlySpan<float> output, int columns, int classCount, in DetectionOptions options)
    {
        float threshold = options.Confidence; // torch compares float32 tensors with the threshold as float32
        bool multiLabel = options.MultiLabel && classCount > 1; // ultralytics: multi_label &= nc > 1
        int rows = output.Length / columns, n = 0;
        for (int row = 0, o = 0; row < rows; row++, o += columns)
        {
            float objectness = output[o + 4];
            if (!(objectness > threshold))
                continue;
            var probabilities = output.Slice(o + 5, classCount);
            if (multiLabel)
            {
                for (int j = 0; j < classCount; j++)
                {
                    float score = probabilities[j] * objectness;
                    if (score > threshold)
                        Add(ref n, row, j, score);
                }
            }
            else
            {
                int best = 0;
                float bestScore = probabilities[0] * objectness;
                for (int j = 1; j < classCount; j++)
                {
                    float score = probabilities[j] * objectness;
                    if (score > bestScore) // the first maximum wins, as torch.max
                        (best, bestScore) = (j, score);
                }
                if (bestScore > threshold)
                    Add(ref n, row, best, bestScore);
            }
        }
        return n;
    }

    private void Add(ref int n, int row, int cls, float score)
    {
        if (n == _order.Length)
        {
            int size = n * 2;
            Array.Resize(ref _order, size);
            Array.Resize(ref _rows, size);
            Array.Resize(ref _classes, size);
            Array.Resize(ref _scores, size);
        }
        _rows[n] = row;
        _classes[n] = cls;
        _scores[n] = score;
        // Positive floats order like their bit patterns: ascending keys = descending score, then index.
        _order[n] = ((long)(int.MaxValue - BitConverter.SingleToInt32Bits(score)) << 32) | (uint)n;
        n++;
    }

    private void Suppress(ReadOnlySpan<float> output, int columns, int classCount, int considered, in DetectionOptions options)
    {
        // torchvision compares the float IoU with the threshold as a double; (decimal) recovers the
        // value the user wrote (0.6f -> 0.6) rather than the float's binary expansion.
        double iouThreshold = (double)(decimal)options.Iou;
        int groups = options.Agnostic ? 1 : classCount;
        if (_keptByClass.Length < groups)
        {
            int old = _keptByClass.Length;
            Array.Resize(ref _keptByClass, groups);
            for (int g = old; g < groups; g++)
                _keptByClass[g] = [];
        }
        for (int g = 0; g < groups; g++)
            _keptByClass[g].Clear();
        if (_shifted.Length < _order.Length)
            _shifted = new BoundingBox[_order.Length];
        _kept.Clear();

        for (int k = 0; k < considered; k++)
        {
            int c = (int)(uint)_order[k];
            int cls = _classes[c];
            var box = Box(output, _rows[c] * columns);
            if (!options.Agnostic)
            {
                float offset = cls * ClassOffset;
                box = new BoundingBox(box.X1 + offset, box.Y1 + offset, box.X2 + offset, box.Y2 + offset);
            }
            _shifted[c] = box;

            var group = _keptByClass[options.Agnostic ? 0 : cls];
            bool suppressed = false;
            foreach (int keptCandidate in group)
            {
                if (Overlap(_shifted[keptCandidate], box) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed)
            {
                group.Add(c);
                _kept.Add(c);
                if (_kept.Count == options.MaxDetections)
                    break; // the rest could only be kept after these, and would be cut
            }
        }
    }

    /// <summary>torchvision's IoU: areas without clamping, intersection clamped at zero, float arithmetic.</summary>
    private static float Overlap(in BoundingBox a, in BoundingBox b)
    {
        float areaA = (a.X2 - a.X1) * (a.Y2 - a.Y1);
        float areaB = (b.X2 - b.X1) * (b.Y2 - b.Y1);
        float w = Math.Max(0f, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1));
        float h = Math.Max(0f, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        float inter = w * h;
        return inter / (areaA + areaB - inter);
    }

    // xywh -> xyxy in float32, as ultralytics xywh2xyxy.
    private static BoundingBox Box(ReadOnlySpan<float> output, int offset)
    {
        float cx = output[offset], cy = output[offset + 1], w = output[offset + 2], h = output[offset + 3];
        return BoundingBox.FromCenter(cx, cy, w, h);
    }
}
