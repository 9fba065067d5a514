using System.Diagnostics;

namespace YoloCompress.Cli.Commands;

/// <summary>A one-line progress display on standard error for work that takes more than a couple of
/// seconds. It stays silent until the work has run for a second, redraws at most ten times a
/// second, and prints nothing but the final line when standard error is not a terminal.</summary>
internal sealed class ConsoleProgress : IProgress<int>, IDisposable
{
    private readonly string _label;
    private readonly int _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private long _lastDrawMs = -1000;
    private bool _drawn;

    public ConsoleProgress(string label, int total)
    {
        _label = label;
        _total = total;
    }

    public void Report(int done)
    {
        if (!_interactive || _clock.ElapsedMilliseconds < 1000) return;
        if (_clock.ElapsedMilliseconds - _lastDrawMs < 100 && done < _total) return;
        _lastDrawMs = _clock.ElapsedMilliseconds;
        var width = 30;
        var filled = _total == 0 ? width : (int)((long)done * width / _total);
        Console.Error.Write($"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{_total} {_clock.Elapsed.TotalSeconds:F0}s ");
        _drawn = true;
    }

    public void Dispose()
    {
        if (_drawn) Console.Error.WriteLine();
    }
}
