using System.Diagnostics;
using System.Runtime.InteropServices;

namespace YoloCompress.Tests.Cli;

/// <summary>Ctrl+C (SIGINT) or SIGTERM sent to a real `compress` half way through: the previous outputs stay,
/// its staging folder goes (as does what an earlier killed run left), one line says it was cancelled, and
/// the exit code is the shell's for the signal.</summary>
public sealed class CancellationTests : IDisposable
{
    private readonly string _temp = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [InlineData(2, 130)]   // SIGINT, Ctrl+C
    [InlineData(15, 143)]  // SIGTERM
    public async Task A_signal_mid_run_cancels_and_leaves_only_the_previous_outputs(int signal, int exitCode)
    {
        if (OperatingSystem.IsWindows())
            return; // no POSIX signals to send
        var output = Directory.CreateDirectory(Path.Combine(_temp, "out")).FullName;
        File.WriteAllText(Path.Combine(output, "yolov5n.onnx"), "previous model");
        File.WriteAllText(Path.Combine(output, "yolov5n.yolo.json"), "previous metadata");
        // What a run killed with SIGKILL left: a process id that no longer runs.
        var killed = Directory.CreateDirectory(Path.Combine(output, $".yolocompress-{ExitedProcessId()}-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(killed, "yolov5n.onnx"), "half a model");

        // Through env --default-signal: a test host started in the background ignores SIGINT, and its
        // children would inherit that (the runtime then never sees Ctrl+C).
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", Path.Combine(AppContext.BaseDirectory, "dotnet-yolo-compress.dll"), "compress",
            TestData.Samples("models/yolov5n.pt"), "--calib", TestData.Samples("coco16/images"), "--data", TestData.Coco16, "-o", output })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new List<string>();
        var calibrating = new ManualResetEventSlim();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.Add(e.Data);
            if (e.Data.StartsWith("quantize:", StringComparison.Ordinal)) calibrating.Set();
        };
        process.BeginErrorReadLine();

        // "quantize:" comes after the float model was measured, as calibration starts: mid-run, staging in use.
        Assert.True(calibrating.Wait(TimeSpan.FromMinutes(2)), "compress never reached quantization: " + Lines(stderr));
        Assert.Single(Directory.GetDirectories(output, ".yolocompress-*"), d => d != killed);
        Assert.Equal(0, Kill(process.Id, signal));
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("compress did not stop within a minute of the signal: " + Lines(stderr));
        }
        process.WaitForExit(); // drains the error stream

        Assert.True(exitCode == process.ExitCode, $"exit {process.ExitCode}: {Lines(stderr)}");
        Assert.Single(stderr, l => l.Contains("Cancelled", StringComparison.Ordinal));
        Assert.DoesNotContain(stderr, l => l.Contains("   at ", StringComparison.Ordinal));
        Assert.Empty(await stdout);
        Assert.Equal(["yolov5n.onnx", "yolov5n.yolo.json"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("previous model", File.ReadAllText(Path.Combine(output, "yolov5n.onnx")));
        Assert.Equal("previous metadata", File.ReadAllText(Path.Combine(output, "yolov5n.yolo.json")));
    }

    private static string Lines(List<string> lines)
    {
        lock (lines) return string.Join(" | ", lines);
    }

    private static int ExitedProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
