using System.Diagnostics;

namespace YoloCompress.Benchmarks;

/// <summary>Runs one measurement in a fresh process of this program, so that its peak memory is its own.</summary>
internal static class ChildRun
{
    /// <summary>Starts this program with <paramref name="args"/> and returns what its last "RESULT " line says;
    /// throws with <paramref name="what"/> and the child's output when it fails or prints none.</summary>
    public static string Result(IEnumerable<string> args, string what)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, UseShellExecute = false, FileName = Environment.ProcessPath! };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") start.ArgumentList.Add(Environment.GetCommandLineArgs()[0]);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"{what} failed (exit {process.ExitCode}):\n{stdout}");
        return line["RESULT ".Length..].Trim();
    }

    /// <summary>A plot whose text renders: SkiaSharp's NoDependencies build does not ask fontconfig for fonts,
    /// so it is handed DejaVu Sans when the machine has it.</summary>
    public static ScottPlot.Plot NewPlot()
    {
        var plot = new ScottPlot.Plot();
        var font = new[] { "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf" }.FirstOrDefault(File.Exists);
        if (font is not null)
        {
            ScottPlot.Fonts.AddFontFile("DejaVu Sans", font);
            plot.Font.Set("DejaVu Sans");
        }
        return plot;
    }
}
