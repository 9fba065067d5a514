using System.Diagnostics;

namespace YoloCompress.Tests.Support;

/// <summary>Runs the real tool (dotnet-yolo-compress.dll, copied beside the tests) as a child process,
/// as a user or the MSBuild task would, and captures what it prints and its exit code.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "dotnet-yolo-compress.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet-yolo-compress " + string.Join(' ', args) + " ran over 5 minutes.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
