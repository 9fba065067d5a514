using System.Diagnostics;

namespace YoloCompress.Runtime;

/// <summary>Latency of a model run, in milliseconds.</summary>
/// <param name="MedianMs">The median run.</param>
/// <param name="P90Ms">The 90th percentile (nearest rank).</param>
/// <param name="MeanMs">The mean.</param>
/// <param name="MinMs">The fastest run.</param>
/// <param name="Runs">Timed runs.</param>
/// <param name="Threads">ONNX Runtime intra-op threads used.</param>
public readonly record struct LatencyResult(double MedianMs, double P90Ms, double MeanMs, double MinMs, int Runs, int Threads)
{
    /// <summary>One line: median, p90 and mean in milliseconds, runs and threads.</summary>
    public override string ToString() => FormattableString.Invariant(
        $"median {MedianMs:0.0} ms, p90 {P90Ms:0.0} ms, mean {MeanMs:0.0} ms ({Runs} runs, {Threads} thread{(Threads == 1 ? "" : "s")})");
}

/// <summary>Two models timed round by round (one run of each in turn), so that load on a busy machine falls on both alike.</summary>
/// <param name="First">The first model's latency.</param>
/// <param name="Second">The second model's latency.</param>
/// <param name="Ratio">The median over rounds of second / first.</param>
/// <param name="RatioLow">The 10th percentile of the per-round ratios.</param>
/// <param name="RatioHigh">The 90th percentile of the per-round ratios.</param>
public readonly record struct LatencyComparison(LatencyResult First, LatencyResult Second, double Ratio, double RatioLow, double RatioHigh)
{
    /// <summary>"0.62x (0.58-0.66)".</summary>
    public override string ToString() => FormattableString.Invariant($"{Ratio:0.00}x ({RatioLow:0.00}-{RatioHigh:0.00})");
}

/// <summary>Times model inference alone (no pre/post-processing) on a fixed input.</summary>
public static class LatencyBenchmark
{
    /// <summary>Loads <paramref name="modelPath"/> with <paramref name="threads"/> intra-op threads,
    /// runs it <paramref name="warmup"/> times untimed, then <paramref name="runs"/> times timed.</summary>
    public static LatencyResult Measure(string modelPath, int threads, int runs = 50, int warmup = 5)
    {
        using var detector = new YoloDetector(modelPath, new YoloDetectorOptions { IntraOpThreads = threads });
        return Measure(detector, threads, runs, warmup);
    }

    /// <summary>Loads a model from bytes; see <see cref="Measure(string, int, int, int)"/>.</summary>
    public static LatencyResult Measure(byte[] model, int threads, int runs = 50, int warmup = 5)
    {
        using var detector = new YoloDetector(model, new YoloDetectorOptions { IntraOpThreads = threads });
        return Measure(detector, threads, runs, warmup);
    }

    /// <summary>Times an already-loaded detector (which should have been created with
    /// <paramref name="threads"/> threads; the figure is only recorded).</summary>
    public static LatencyResult Measure(YoloDetector detector, int threads, int runs = 50, int warmup = 5)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);

        var input = Input(detector);

        for (int i = 0; i < warmup; i++)
            detector.Run(input);

        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            detector.Run(input);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Summarize(times, threads);
    }

    /// <summary>Times <paramref name="first"/> and <paramref name="second"/> interleaved: each round runs the first once,
    /// then the second once, after <paramref name="warmup"/> untimed rounds.</summary>
    public static LatencyComparison Compare(byte[] first, byte[] second, int threads, int runs = 20, int warmup = 3)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        var options = new YoloDetectorOptions { IntraOpThreads = threads };
        using var a = new YoloDetector(first, options);
        using var b = new YoloDetector(second, options);
        var inputA = Input(a);
        var inputB = Input(b);
        var (timesA, timesB) = (new double[runs], new double[runs]);
        for (int i = -warmup; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            a.Run(inputA);
            double ta = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            b.Run(inputB);
            double tb = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= 0) (timesA[i], timesB[i]) = (ta, tb);
        }
        var ratios = timesB.Zip(timesA, (y, x) => y / x).Order().ToArray();
        double Rank(double p) => ratios[Math.Clamp((int)Math.Ceiling(p * ratios.Length) - 1, 0, ratios.Length - 1)];
        return new LatencyComparison(Summarize(timesA, threads), Summarize(timesB, threads), Summarize(ratios, threads).MedianMs, Rank(0.1), Rank(0.9));
    }

    /// <summary>A fixed, image-like input: a gradient, so that no path sees all zeros.</summary>
    private static float[] Input(YoloDetector detector)
    {
        var input = new float[3 * detector.InputHeight * detector.InputWidth];
        for (int i = 0; i < input.Length; i++)
            input[i] = (i % 251) / 250f;
        return input;
    }

    internal static LatencyResult Summarize(double[] times, int threads)
    {
        var sorted = (double[])times.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        double p90 = sorted[Math.Clamp((int)Math.Ceiling(0.9 * n) - 1, 0, n - 1)];
        return new LatencyResult(median, p90, sorted.Average(), sorted[0], n, threads);
    }
}
