using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>Frames per second of one model two ways on the same frames: ONNX Runtime's bare <c>Run</c> on tensors
/// letterboxed beforehand (input and output bound, nothing else), and the whole path an app calls
/// (<c>YoloDetector.Detect</c> on a BGR frame: letterbox, run, decode, NMS, boxes mapped back).</summary>
internal static class RuntimeThroughput
{
    /// <summary>One measurement: medians of a frame in milliseconds (single stream), or frames per second over all
    /// callers (concurrent), for the bare run and the whole path.</summary>
    public sealed record Result(double BareFps, double FullFps, double BareMs, double FullMs, double LetterboxMs, double NmsMs)
    {
        public double OverheadPercent => 100 * (BareFps / FullFps - 1);
    }

    /// <summary>One stream, <paramref name="threads"/> intra-op threads: bare and whole path alternate frame by frame,
    /// so that load from other processes falls on both alike.</summary>
    public static Result SingleStream(byte[] model, IReadOnlyList<Frame> frames, int threads, TimeSpan duration)
    {
        var options = new YoloDetectorOptions { IntraOpThreads = threads };
        using var detector = new YoloDetector(model, options);
        using var bare = new BareSession(model, threads, detector, frames);
        var letterbox = new float[3 * detector.InputWidth * detector.InputHeight];
        var nms = new NonMaxSuppression();
        var kept = new List<Detection>();
        List<double> bareMs = [], fullMs = [], letterboxMs = [], nmsMs = [];

        for (int i = 0; i < frames.Count; i++) // warm-up: every shape once
        {
            bare.Run(i, 0);
            detector.Detect(frames[i]);
        }
        var clock = Stopwatch.StartNew();
        for (int i = 0; clock.Elapsed < duration || i < frames.Count; i++)
        {
            int f = i % frames.Count;
            bareMs.Add(Time(() => bare.Run(f, 0)));
            fullMs.Add(Time(() => detector.Detect(frames[f])));
            // The two stages apart, for the table's breakdown (not part of either figure above).
            letterboxMs.Add(Time(() => Letterbox.Apply(frames[f].Pixels.Span, frames[f].Layout, letterbox, detector.Geometry)));
            nmsMs.Add(Time(() => nms.Run(bare.Output(0), detector.OutputColumns, new DetectionOptions(), detector.Names, kept)));
        }
        double bareMedian = Median(bareMs), fullMedian = Median(fullMs);
        return new Result(1000 / bareMedian, 1000 / fullMedian, bareMedian, fullMedian, Median(letterboxMs), Median(nmsMs));
    }

    /// <summary><paramref name="callers"/> threads at once on one session (one intra-op thread each): total frames
    /// per second, bare then whole path.</summary>
    public static Result Concurrent(byte[] model, IReadOnlyList<Frame> frames, int callers, TimeSpan duration)
    {
        using var detector = new YoloDetector(model, new YoloDetectorOptions { IntraOpThreads = 1 });
        using var bare = new BareSession(model, 1, detector, frames, callers);
        for (int i = 0; i < frames.Count; i++)
        {
            bare.Run(i, 0);
            detector.Detect(frames[i]);
        }
        double bareFps = Throughput(callers, duration, (caller, i) => bare.Run(i % frames.Count, caller), frames.Count);
        double fullFps = Throughput(callers, duration, (_, i) => detector.Detect(frames[i % frames.Count]), frames.Count);
        return new Result(bareFps, fullFps, 1000 * callers / bareFps, 1000 * callers / fullFps, double.NaN, double.NaN);
    }

    private static double Throughput(int callers, TimeSpan duration, Action<int, int> work, int minimum)
    {
        long done = 0;
        var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, callers).Select(c => new Thread(() =>
        {
            for (int i = c; clock.Elapsed < duration || i < minimum; i += callers)
            {
                work(c, i);
                Interlocked.Increment(ref done);
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return done / clock.Elapsed.TotalSeconds;
    }

    private static double Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>ONNX Runtime alone: a session made as the detector makes its own (same threads, all optimizations),
    /// every frame letterboxed once beforehand into a bound input, one bound output a caller.</summary>
    private sealed class BareSession : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly string[] _inputNames, _outputNames;
        private readonly OrtValue[] _inputs, _outputs;
        private readonly float[][] _outputBuffers;
        private readonly RunOptions _runOptions = new();

        public BareSession(byte[] model, int threads, YoloDetector detector, IReadOnlyList<Frame> frames, int callers = 1)
        {
            using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            _session = new InferenceSession(model, options);
            _inputNames = [_session.InputNames[0]];
            _outputNames = [_session.OutputNames[0]];
            _inputs = frames.Select(frame =>
            {
                var input = new float[3 * detector.InputWidth * detector.InputHeight];
                var t = Letterbox.Apply(frame.Pixels.Span, frame.Layout, input, detector.Geometry);
                return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(0, 3 * t.InputWidth * t.InputHeight), [1, 3, t.InputHeight, t.InputWidth]);
            }).ToArray();
            int rows = detector.Run(new float[3 * detector.InputWidth * detector.InputHeight]).Rows; // fixed geometry: every frame has these
            _outputBuffers = Enumerable.Range(0, callers).Select(_ => new float[rows * detector.OutputColumns]).ToArray();
            _outputs = _outputBuffers.Select(b => OrtValue.CreateTensorValueFromMemory(b, [1, rows, detector.OutputColumns])).ToArray();
        }

        public void Run(int frame, int caller) =>
            _session.Run(_runOptions, _inputNames, [_inputs[frame]], _outputNames, [_outputs[caller]]);

        public ReadOnlySpan<float> Output(int caller) => _outputBuffers[caller];

        public void Dispose()
        {
            foreach (var v in _inputs.Concat(_outputs)) v.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
        }
    }
}
