using YoloCompress.Tests.Checkpoints.Fuzzing;
using YoloCompress.Tests.Support;
using Xunit.Abstractions;

namespace YoloCompress.Tests.Checkpoints;

/// <summary>Two hundred seeded mutations of the shipped yolov5n.pt: every one must end in a valid load or a
/// coded one-line error, quickly, with allocation bounded by the file's size, and run nothing. The longer run
/// is the benchmark's <c>fuzz</c> command.</summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Mutated_checkpoints_load_or_fail_with_a_code_and_never_run_anything()
    {
        var results = CheckpointFuzzer.Run(TestData.Samples("models/yolov5n.pt"), cases: 200, seed: 20261201, _dir, TimeSpan.FromSeconds(20)).ToList();

        foreach (var group in results.GroupBy(r => r.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"{group.Key}: {group.Count()}");
        var failures = results.Where(r => r.Failed).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(5).Select(f => $"case {f.Index} {f.Kind} ({f.Detail}): {f.Outcome}: {f.Message}")));
        Assert.All(results, r => Assert.Contains(r.Outcome, new[] { "valid", "YC0050", "YC0051" }));
        // Every kind of damage was tried, and the harmless ones still load.
        Assert.Equal(CheckpointMutator.Kinds.Order(), results.Select(r => r.Kind).Distinct().Order());
        Assert.All(results.Where(r => r.Kind == "reorder-entries"), r => Assert.Equal("valid", r.Outcome));
        Assert.Contains(results, r => r.Outcome == "YC0050");
        // Bounded: no case takes much processor time (wall time on a shared machine says little; a hang is
        // caught by the 20 s limit above), and none allocates more than a small multiple of the file it reads.
        var slowest = results.MaxBy(r => r.CpuTime)!;
        output.WriteLine($"most CPU: case {slowest.Index} {slowest.Kind} {slowest.CpuTime.TotalMilliseconds:F0} ms ({slowest.Time.TotalMilliseconds:F0} ms wall)");
        Assert.InRange(slowest.CpuTime.TotalSeconds, 0, 3);
        var hungriest = results.MaxBy(r => (double)r.AllocatedBytes / r.FileBytes)!;
        output.WriteLine($"most allocation per file byte: case {hungriest.Index} {hungriest.Kind} {hungriest.AllocatedBytes} bytes for {hungriest.FileBytes}");
        Assert.InRange(hungriest.AllocatedBytes, 0, 40 * hungriest.FileBytes + (64 << 20));
    }
}
