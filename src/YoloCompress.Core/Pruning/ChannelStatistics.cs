using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>Per-channel moments of one NCHW tensor over every calibration image and position, accumulated
/// exactly (double sums over the whole data set, never averaged image by image).</summary>
public sealed class ChannelMoments
{
    internal ChannelMoments(int channels)
    {
        Sum = new double[channels];
        SumOfSquares = new double[channels];
        SumOfMagnitudes = new double[channels];
    }

    internal double[] Sum { get; }

    internal double[] SumOfSquares { get; }

    internal double[] SumOfMagnitudes { get; }

    /// <summary>Values seen per channel (images x positions).</summary>
    public long Count { get; internal set; }

    public int Channels => Sum.Length;

    public double Mean(int c) => Count == 0 ? 0 : Sum[c] / Count;

    /// <summary>Population variance, never negative.</summary>
    public double Variance(int c)
    {
        if (Count == 0) return 0;
        double mean = Sum[c] / Count;
        return Math.Max(0, SumOfSquares[c] / Count - mean * mean);
    }

    /// <summary>Mean absolute value.</summary>
    public double MeanMagnitude(int c) => Count == 0 ? 0 : SumOfMagnitudes[c] / Count;

    public double[] Means() => Enumerable.Range(0, Channels).Select(Mean).ToArray();

    internal void Add(string tensor, ReadOnlySpan<float> values, long[] shape)
    {
        if (shape.Length < 2 || shape[1] != Channels)
            throw new InvalidOperationException($"Tensor '{tensor}': expected [N,{Channels},...], got [{string.Join(",", shape)}].");
        long batch = shape[0];
        int plane = (int)(values.Length / (batch * Channels));
        for (long n = 0; n < batch; n++)
            for (int c = 0; c < Channels; c++)
            {
                var channel = values.Slice((int)((n * Channels + c) * plane), plane);
                double s = 0, s2 = 0, a = 0;
                foreach (var v in channel)
                {
                    s += v;
                    s2 += (double)v * v;
                    a += Math.Abs(v);
                }
                Sum[c] += s;
                SumOfSquares[c] += s2;
                SumOfMagnitudes[c] += a;
            }
        Count += batch * plane;
    }
}

/// <summary>Channel moments of selected tensors of a model over calibration inputs, collected in one pass
/// with <see cref="ActivationCollector"/>.</summary>
public sealed class ChannelStatistics
{
    private readonly Dictionary<string, ChannelMoments> _moments;

    private ChannelStatistics(Dictionary<string, ChannelMoments> moments) => _moments = moments;

    /// <summary>Moments of a collected tensor, or null when it was not collected.</summary>
    public ChannelMoments? this[string tensor] => _moments.GetValueOrDefault(tensor);

    /// <param name="inputs">Preprocessed inputs (the model's input shape, batch 1), enumerated once.</param>
    public static ChannelStatistics Collect(ModelProto model, IReadOnlyList<string> tensors, IEnumerable<float[]> inputs, int threads = 0)
    {
        var moments = new Dictionary<string, ChannelMoments>();
        int images = 0;
        using var collector = new ActivationCollector(model, tensors, threads);
        foreach (var input in inputs)
        {
            collector.Run(input, (name, values, shape) =>
            {
                if (!moments.TryGetValue(name, out var m)) moments[name] = m = new ChannelMoments((int)shape[1]);
                m.Add(name, values, shape);
            });
            images++;
        }
        if (images == 0) throw new ArgumentException("No calibration inputs were given.", nameof(inputs));
        return new ChannelStatistics(moments);
    }
}
