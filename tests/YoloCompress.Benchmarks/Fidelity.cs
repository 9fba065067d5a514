using Microsoft.ML.OnnxRuntime;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>How closely a model's raw output follows a reference's on the rows the reference is
/// confident about: mean over rows with confidence (obj x best class) above 0.1 of
/// |confidence difference| + (1 - IoU of the boxes). 0 is identical; cheap enough to rank many
/// quantization configurations, and far less noisy than mAP on 128 images.</summary>
internal sealed class Fidelity
{
    /// <summary>Intersection over union of two xyxy boxes; 0 when they do not overlap.</summary>
    internal static float IoU(in BoundingBox a, in BoundingBox b)
    {
        float iw = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1), ih = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (iw <= 0 || ih <= 0) return 0f;
        float inter = iw * ih;
        return inter / (a.Area + b.Area - inter);
    }

    private readonly List<float[]> _inputs;
    private readonly List<float[]> _reference;
    private readonly int _columns;

    public Fidelity(byte[] reference, IEnumerable<float[]> inputs)
    {
        _inputs = inputs.ToList();
        _reference = Run(reference, out _columns);
    }

    /// <summary>Mean signed confidence difference (model - reference) on rows the reference puts at 0.25 or more, from the last <see cref="Score"/>.</summary>
    public double Bias { get; private set; }

    public double Score(byte[] model)
    {
        var outputs = Run(model, out _);
        double sum = 0;
        long rows = 0, biasRows = 0;
        Bias = 0;
        for (int i = 0; i < _inputs.Count; i++)
        {
            var f = _reference[i];
            var q = outputs[i];
            for (int r = 0; r + _columns <= f.Length; r += _columns)
            {
                float cf = Confidence(f, r);
                if (cf < 0.1f) continue;
                var bf = BoundingBox.FromCenter(f[r], f[r + 1], f[r + 2], f[r + 3]);
                var bq = BoundingBox.FromCenter(q[r], q[r + 1], q[r + 2], q[r + 3]);
                sum += Math.Abs(Confidence(q, r) - cf) + (1 - IoU(bf, bq));
                rows++;
                if (cf >= 0.25f) { Bias += Confidence(q, r) - cf; biasRows++; }
            }
        }
        Bias /= Math.Max(1, biasRows);
        return rows == 0 ? 0 : sum / rows;
    }

    private float Confidence(float[] o, int r)
    {
        float best = 0;
        for (int c = 5; c < _columns; c++) best = Math.Max(best, o[r + c]);
        return o[r + 4] * best;
    }

    private List<float[]> Run(byte[] model, out int columns)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var results = new List<float[]>();
        columns = 0;
        foreach (var input in _inputs)
        {
            using var value = OrtValue.CreateTensorValueFromMemory(input, new long[] { 1, 3, 640, 640 });
            using var output = session.Run(new RunOptions(), new[] { session.InputNames[0] }, new[] { value }, session.OutputNames);
            var shape = output[0].GetTensorTypeAndShape().Shape;
            columns = (int)shape[^1];
            results.Add(output[0].GetTensorDataAsSpan<float>().ToArray());
        }
        return results;
    }
}
