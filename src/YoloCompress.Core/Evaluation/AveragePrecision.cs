namespace YoloCompress.Core.Evaluation;

/// <summary>COCO-style average precision, as ultralytics v7.0 <c>utils/metrics.py</c>
/// (<c>compute_ap</c> with 101-point interpolation, <c>ap_per_class</c>, <c>smooth</c>).</summary>
public static class AveragePrecision
{
    /// <summary>Area under the precision envelope of one precision-recall curve (points ordered by
    /// decreasing confidence): sentinels (0, 1) and (1, 0) added, precision made non-increasing
    /// from the right, then the trapezoidal integral of its linear interpolation at 101 recall
    /// points 0, 0.01, ..., 1 (<c>np.trapz(np.interp(x, mrec, mpre), x)</c>).</summary>
    public static double Compute(ReadOnlySpan<double> recall, ReadOnlySpan<double> precision)
    {
        if (recall.Length != precision.Length)
            throw new ArgumentException("Recall and precision must have the same length.");
        int n = recall.Length + 2;
        var mrec = new double[n];
        var mpre = new double[n];
        mrec[0] = 0.0;
        mpre[0] = 1.0;
        recall.CopyTo(mrec.AsSpan(1));
        precision.CopyTo(mpre.AsSpan(1));
        mrec[n - 1] = 1.0;
        mpre[n - 1] = 0.0;
        for (int i = n - 2; i >= 0; i--)
            mpre[i] = Math.Max(mpre[i], mpre[i + 1]);

        double area = 0, previousX = 0, previousY = Interp(0, mrec, mpre);
        for (int k = 1; k <= 100; k++)
        {
            double x = k == 100 ? 1.0 : k * 0.01; // np.linspace(0, 1, 101)
            double y = Interp(x, mrec, mpre);
            area += (x - previousX) * (y + previousY) / 2.0;
            (previousX, previousY) = (x, y);
        }
        return area;
    }

    /// <summary><c>np.interp(x, xp, fp)</c> for non-decreasing <paramref name="xp"/>: with repeated
    /// xp values, the last of them decides (numpy's search returns the last index with xp &lt;= x).</summary>
    public static double Interp(double x, ReadOnlySpan<double> xp, ReadOnlySpan<double> fp, double? left = null, double? right = null)
    {
        int n = xp.Length;
        if (double.IsNaN(x))
            return x;
        if (x < xp[0])
            return left ?? fp[0];
        if (x > xp[n - 1])
            return right ?? fp[n - 1];
        // j = the last index with xp[j] <= x.
        int lo = 0, hi = n;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (x >= xp[mid]) lo = mid + 1; else hi = mid;
        }
        int j = lo - 1;
        if (j == n - 1 || xp[j] == x)
            return fp[j];
        double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
        double y = slope * (x - xp[j]) + fp[j];
        if (double.IsNaN(y))
        {
            y = slope * (x - xp[j + 1]) + fp[j + 1];
            if (double.IsNaN(y) && fp[j] == fp[j + 1])
                y = fp[j];
        }
        return y;
    }

    /// <summary>ultralytics <c>smooth(y, f)</c>: a box filter of <c>round(n * f * 2) // 2 + 1</c>
    /// points over <paramref name="y"/> padded at each end with its end values ("valid" convolution;
    /// with an even filter the result has one more point, as numpy's).</summary>
    public static double[] Smooth(ReadOnlySpan<double> y, double f = 0.05)
    {
        int n = y.Length;
        if (n == 0)
            return [];
        int filter = (int)Math.Round(n * f * 2, MidpointRounding.ToEven) / 2 + 1;
        int pad = filter / 2;
        var padded = new double[n + 2 * pad];
        padded.AsSpan(0, pad).Fill(y[0]);
        y.CopyTo(padded.AsSpan(pad));
        padded.AsSpan(pad + n).Fill(y[n - 1]);
        double weight = 1.0 / filter;
        var result = new double[padded.Length - filter + 1];
        for (int i = 0; i < result.Length; i++)
        {
            double sum = 0;
            for (int k = 0; k < filter; k++)
                sum += padded[i + k] * weight;
            result[i] = sum;
        }
        return result;
    }
}
