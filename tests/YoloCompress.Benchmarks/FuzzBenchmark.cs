using System.Diagnostics;
using System.Globalization;
using YoloCompress.Tests.Checkpoints.Fuzzing;

namespace YoloCompress.Benchmarks;

/// <summary>The checkpoint reader against seeded mutations of a real checkpoint (the test suite runs 300):
/// dotnet run -c Release --project tests/YoloCompress.Benchmarks -- fuzz --cases 3000 --seed 1 [--model file.pt].
/// Prints outcomes by error code and by mutation kind, the slowest case, the largest allocation and the peak
/// working set; exits 1 when a case failed (an uncaught exception, a hang, anything executed).</summary>
internal static class FuzzBenchmark
{
    public static int Run(string[] args)
    {
        int cases = int.Parse(Option(args, "--cases") ?? "2000", CultureInfo.InvariantCulture);
        int seed = int.Parse(Option(args, "--seed") ?? "1", CultureInfo.InvariantCulture);
        var model = Option(args, "--model") ?? Path.Combine(RepoRoot(), "samples", "data", "models", "yolov5n.pt");
        var work = Path.Combine(Path.GetTempPath(), "yolocompress-fuzz-" + Environment.ProcessId);
        var watch = Stopwatch.StartNew();
        List<FuzzResult> results;
        try
        {
            results = CheckpointFuzzer.Run(model, cases, seed, work, TimeSpan.FromSeconds(30)).ToList();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        watch.Stop();

        Console.WriteLine($"fuzz: {results.Count} cases of {Path.GetFileName(model)} ({new FileInfo(model).Length} bytes), seed {seed}, {watch.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine("outcomes:");
        foreach (var g in results.GroupBy(r => r.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal))
            Console.WriteLine($"  {g.Key,-24} {g.Count(),6}");
        Console.WriteLine("by mutation kind: valid / YC0050 / YC0051 / failed; median and max wall ms; max CPU ms");
        foreach (var g in results.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ms = g.Select(r => r.Time.TotalMilliseconds).Order().ToList();
            Console.WriteLine($"  {g.Key,-20} {g.Count(r => r.Outcome == "valid"),5} {g.Count(r => r.Outcome == "YC0050"),5} {g.Count(r => r.Outcome == "YC0051"),5} {g.Count(r => r.Failed),5}   {ms[ms.Count / 2],7:F1} {ms[^1],8:F1} {g.Max(r => r.CpuTime.TotalMilliseconds),8:F1}");
        }
        var slowest = results.MaxBy(r => r.Time)!;
        Console.WriteLine($"slowest (wall): case {slowest.Index} ({slowest.Kind}, {slowest.Detail}) {slowest.Time.TotalMilliseconds:F0} ms, {slowest.CpuTime.TotalMilliseconds:F0} ms CPU -> {slowest.Outcome}");
        var busiest = results.MaxBy(r => r.CpuTime)!;
        Console.WriteLine($"most CPU: case {busiest.Index} ({busiest.Kind}, {busiest.Detail}) {busiest.CpuTime.TotalMilliseconds:F0} ms CPU, {busiest.Time.TotalMilliseconds:F0} ms wall -> {busiest.Outcome}");
        Console.WriteLine($"load average while running: {LoadAverage()}");
        var hungriest = results.MaxBy(r => r.AllocatedBytes)!;
        Console.WriteLine($"largest allocation: case {hungriest.Index} ({hungriest.Kind}) {hungriest.AllocatedBytes / 1048576.0:F1} MiB for a {hungriest.FileBytes / 1048576.0:F1} MiB file -> {hungriest.Outcome}");
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB");
        var failures = results.Where(r => r.Failed).ToList();
        foreach (var f in failures.Take(10))
            Console.WriteLine($"FAILED case {f.Index} {f.Kind} ({f.Detail}): {f.Outcome}: {f.Message}");
        return failures.Count == 0 ? 0 : 1;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] + $" on {Environment.ProcessorCount} cores" : "unknown";

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
