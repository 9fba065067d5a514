using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Benchmarks;

/// <summary>Latency of several models measured round-robin (one run of each in turn), so that load
/// from other processes on a shared machine falls on all of them alike; medians per model.</summary>
internal static class InterleavedLatency
{
    public static double[] Measure(IReadOnlyList<byte[]> models, int threads, int runs, int warmup = 3)
    {
        var sessions = new List<(InferenceSession Session, OrtValue Input, string InputName, string[] Outputs)>();
        try
        {
            foreach (var bytes in models)
            {
                using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
                var session = new InferenceSession(bytes, options);
                var dims = session.InputMetadata.Values.First().Dimensions.Select(d => d > 0 ? (long)d : 1L).ToArray();
                var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
                for (int i = 0; i < data.Length; i++) data[i] = (i % 251) / 250f;
                sessions.Add((session, OrtValue.CreateTensorValueFromMemory(data, dims), session.InputNames[0], session.OutputNames.ToArray()));
            }
            var times = sessions.Select(_ => new List<double>()).ToArray();
            using var runOptions = new RunOptions();
            for (int r = -warmup; r < runs; r++)
                for (int m = 0; m < sessions.Count; m++)
                {
                    var s = sessions[m];
                    long start = Stopwatch.GetTimestamp();
                    using (s.Session.Run(runOptions, new[] { s.InputName }, new[] { s.Input }, s.Outputs)) { }
                    if (r >= 0) times[m].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            return times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
        }
        finally
        {
            foreach (var s in sessions) { s.Input.Dispose(); s.Session.Dispose(); }
        }
    }

    public static int Run(string[] args)
    {
        int runs = int.Parse(Environment.GetEnvironmentVariable("RUNS") ?? "20");
        var paths = args.Where(a => !a.StartsWith("--")).ToArray();
        int threads = int.Parse(Environment.GetEnvironmentVariable("THREADS") ?? "1");
        var medians = Measure(paths.Select(File.ReadAllBytes).ToArray(), threads, runs);
        for (int i = 0; i < paths.Length; i++)
            Console.WriteLine($"{medians[i],8:0.00} ms  {medians[i] / medians[0],5:0.00}x  {paths[i]}");
        return 0;
    }
}
