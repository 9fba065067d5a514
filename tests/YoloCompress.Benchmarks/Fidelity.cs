using Microsoft.ML.OnnxRuntime;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>How closely a model's raw output follows a reference's on the rows the reference is
/// confident about: mean over rows with confidence (obj x best class) above 0.1 of
/// |confidence difference| + (1 - IoU of the boxes). 0 is identical; cheap enough to rank many
/// quantization configurations, and far less noisy than mAP on 128 images.</summary>
internal sealed class Fidelity
{
    private readonly List<float[]> _inputs;
    private readonly List<float[]> _reference;
    private readonly int _columns;

    public Fidelity(byte[] reference, IEnumerable<float[]> inputs)
    {
        _inputs = inputs.ToList();
        _reference = Run(reference, out _columns);
    }

    public double Score(byte[] model)
    {
        var outputs = Run(model, out _);
        double sum = 0;
        long rows = 0;
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
                sum += Math.Abs(Confidence(q, r) - cf) + (1 - BoundingBox.IoU(bf, bq));
                rows++;
            }
        }
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
