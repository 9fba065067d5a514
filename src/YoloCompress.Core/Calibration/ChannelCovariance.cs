using System.Numerics;
using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Calibration;

/// <summary>x_r ~ B[r] + sum_k A[r,k] x_k for each removed channel position r (rows in the order of
/// <see cref="Removed"/>, columns in the order of <see cref="Kept"/>).</summary>
internal sealed record ChannelReconstruction(int[] Kept, int[] Removed, double[,] A, double[] B);

/// <summary>Channel means and covariance of one NCHW tensor over every calibration image and position: what a
/// least-squares reconstruction of removed channels from kept ones needs (<see cref="Reconstruct"/>).</summary>
internal sealed class ChannelCovariance
{
    private readonly double[] _sum;
    private readonly double[] _products; // upper triangle of sum (x_i - shift_i)(x_j - shift_j), row-major C x C
    private readonly double[] _shift;
    private long _count;

    /// <param name="shift">Per-channel values subtracted before accumulating (the means, when known): products
    /// of centred values keep float accumulation accurate.</param>
    private ChannelCovariance(double[] shift)
    {
        _shift = shift;
        _sum = new double[shift.Length];
        _products = new double[shift.Length * shift.Length];
    }

    public int Channels => _sum.Length;

    public double Mean(int c) => _shift[c] + _sum[c] / _count;

    public double Covariance(int i, int j)
    {
        if (i > j) (i, j) = (j, i);
        double mi = _sum[i] / _count, mj = _sum[j] / _count;
        return _products[i * Channels + j] / _count - mi * mj;
    }

    /// <summary>E[x_i x_j]: what the squared error of a linear map of x weighs weight errors by.</summary>
    public double SecondMoment(int i, int j) => Covariance(i, j) + Mean(i) * Mean(j);

    /// <summary>Covariances of the tensors over the inputs, in one pass of <see cref="ActivationCollector"/>.</summary>
    /// <param name="shifts">Per-channel shift for each tensor (its means from an earlier pass); the tensors collected.</param>
    public static Dictionary<string, ChannelCovariance> Collect(ModelProto model, IReadOnlyDictionary<string, double[]> shifts,
        IEnumerable<float[]> inputs, int threads)
    {
        var result = shifts.ToDictionary(p => p.Key, p => new ChannelCovariance(p.Value));
        using var collector = new ActivationCollector(model, shifts.Keys.Order(StringComparer.Ordinal).ToArray(), threads);
        foreach (var input in inputs)
            collector.Run(input, (name, values, shape) => result[name].Add(name, values, shape));
        return result;
    }

    /// <summary>Moments (about zero) of one tensor's values, shaped [N, C, ...].</summary>
    public static ChannelCovariance Of(string tensor, ReadOnlySpan<float> values, long[] shape)
    {
        var moments = new ChannelCovariance(new double[shape[1]]);
        moments.Add(tensor, values, shape);
        return moments;
    }

    private void Add(string tensor, ReadOnlySpan<float> values, long[] shape)
    {
        int channels = Channels;
        if (shape.Length < 2 || shape[1] != channels)
            throw new InvalidOperationException($"Tensor '{tensor}': expected [N,{channels},...], got [{string.Join(",", shape)}].");
        int plane = (int)(values.Length / (shape[0] * channels));
        var centred = new float[channels * plane];
        for (long n = 0; n < shape[0]; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                var source = values.Slice((int)((n * channels + c) * plane), plane);
                var row = centred.AsSpan(c * plane, plane);
                float shift = (float)_shift[c];
                double s = 0;
                for (int p = 0; p < plane; p++) s += row[p] = source[p] - shift;
                _sum[c] += s;
            }
            for (int i = 0; i < channels; i++)
                for (int j = i; j < channels; j++)
                    _products[i * channels + j] += Dot(centred.AsSpan(i * plane, plane), centred.AsSpan(j * plane, plane));
            _count += plane;
        }
    }

    /// <summary>Float products summed in vectors, each block of 1024 positions added into a double.</summary>
    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double total = 0;
        int width = Vector<float>.Count;
        for (int start = 0; start < a.Length; start += 1024)
        {
            int end = Math.Min(a.Length, start + 1024), i = start;
            var acc = Vector<float>.Zero;
            for (; i + width <= end; i += width)
                acc += new Vector<float>(a.Slice(i, width)) * new Vector<float>(b.Slice(i, width));
            float tail = 0;
            for (; i < end; i++) tail += a[i] * b[i];
            total += Vector.Sum(acc) + tail;
        }
        return total;
    }

    /// <summary>The least-squares linear estimate of each removed channel from the kept ones:
    /// x_r ~ b_r + sum_k A[r,k] x_k, with A = S_rk (S_kk + ridge)^-1 and b_r = mean_r - sum_k A[r,k] mean_k.
    /// Folding W[:,r] A into W[:,k] and W[:,r] b into the bias keeps a consumer's output as close as a linear
    /// function of the kept channels can (mean folding alone is the case A = 0). The ridge, 0.1% of the kept
    /// channels' mean variance plus channels/samples of it, keeps nearly collinear channels from producing
    /// huge, unstable weights and the fit from following noise when few images were seen (docs/pruning.md).</summary>
    /// <param name="kept">Kept channel positions, ascending; the others are removed.</param>
    public ChannelReconstruction Reconstruct(int[] kept)
    {
        var keptSet = new HashSet<int>(kept);
        var removed = Enumerable.Range(0, Channels).Where(c => !keptSet.Contains(c)).ToArray();
        int k = kept.Length, r = removed.Length;
        var skk = new double[k, k];
        double trace = 0;
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) skk[i, j] = Covariance(kept[i], kept[j]);
            trace += skk[i, i];
        }
        double ridge = (0.001 + (double)Channels / _count) * trace / Math.Max(1, k) + 1e-12;
        for (int i = 0; i < k; i++) skk[i, i] += ridge;
        var cholesky = Cholesky(skk);
        var a = new double[r, k];
        var b = new double[r];
        var rhs = new double[k];
        for (int ri = 0; ri < r; ri++)
        {
            for (int j = 0; j < k; j++) rhs[j] = Covariance(removed[ri], kept[j]);
            var coefficients = Solve(cholesky, rhs);
            double mean = Mean(removed[ri]);
            for (int j = 0; j < k; j++)
            {
                a[ri, j] = coefficients[j];
                mean -= coefficients[j] * Mean(kept[j]);
            }
            b[ri] = mean;
        }
        return new ChannelReconstruction(kept, removed, a, b);
    }

    /// <summary>The lower-triangular L with L L^T = m (m symmetric positive definite).</summary>
    internal static double[,] Cholesky(double[,] m)
    {
        int n = m.GetLength(0);
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = m[i, j];
                for (int p = 0; p < j; p++) s -= l[i, p] * l[j, p];
                l[i, j] = i == j ? Math.Sqrt(Math.Max(s, 1e-300)) : s / l[j, j];
            }
        return l;
    }

    /// <summary>x with L L^T x = rhs, for L from <see cref="Cholesky"/>.</summary>
    internal static double[] Solve(double[,] l, double[] rhs)
    {
        int n = rhs.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = rhs[i];
            for (int p = 0; p < i; p++) s -= l[i, p] * y[p];
            y[i] = s / l[i, i];
        }
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = y[i];
            for (int p = i + 1; p < n; p++) s -= l[p, i] * x[p];
            x[i] = s / l[i, i];
        }
        return x;
    }
}
