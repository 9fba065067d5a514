using System.Diagnostics;
using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Tests.Checkpoints.Fuzzing;

/// <summary>One fuzz case's result: "valid" or the error code (YC0050, YC0051); anything else (another
/// exception, a hang past the limit, a file the hostile pickle asked to create) is a failure.</summary>
/// <param name="Time">Wall-clock time of the read.</param>
/// <param name="CpuTime">Processor time the process spent meanwhile (the read, its GC): on a busy machine the
/// honest measure of the work a case takes.</param>
internal sealed record FuzzResult(int Index, string Kind, string Detail, string Outcome, bool Failed, string? Message, TimeSpan Time, TimeSpan CpuTime, long AllocatedBytes, long FileBytes);

/// <summary>Runs <see cref="CheckpointMutator"/> cases through <see cref="CheckpointReader.Read"/> one at a
/// time, each on its own thread with a time limit, and classifies how each ended.</summary>
internal static class CheckpointFuzzer
{
    public static IEnumerable<FuzzResult> Run(string source, int cases, int seed, string workDir, TimeSpan limit)
    {
        Directory.CreateDirectory(workDir);
        var mutator = new CheckpointMutator(source, seed, Path.Combine(workDir, "executed-marker"));
        var path = Path.Combine(workDir, "case.pt");
        for (int i = 0; i < cases; i++)
        {
            var (kind, detail) = mutator.Next(path);
            yield return RunOne(i, kind, detail, path, limit, mutator.Marker);
        }
    }

    private static FuzzResult RunOne(int index, string kind, string detail, string path, TimeSpan limit, string marker)
    {
        string outcome = "valid";
        string? message = null;
        bool failed = false;
        long allocated = 0;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var task = Task.Factory.StartNew(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                CheckpointReader.Read(path);
                return ("valid", (string?)null, false, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (CheckpointFormatException e)
            {
                return (e.Code, e.Message, e.Message.Contains('\n') || e.Message.Contains("IObjectConstructor"), GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception e)
            {
                return ("uncaught " + e.GetType().Name, e.ToString(), true, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }, TaskCreationOptions.LongRunning);
        if (task.Wait(limit))
            (outcome, message, failed, allocated) = task.Result;
        else
            (outcome, message, failed) = ("timeout", $"still running after {limit.TotalSeconds} s", true);
        watch.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        if (File.Exists(marker))
        {
            (outcome, failed) = ("EXECUTED", true);
            File.Delete(marker);
        }
        return new FuzzResult(index, kind, detail, outcome, failed, message, watch.Elapsed, cpu, allocated, new FileInfo(path).Length);
    }
}
