using System.Diagnostics;

namespace YoloCompress.Benchmarks;

/// <summary>Times named stages and samples the process's working set every 10 ms while each runs, so that a
/// stage's peak is its own (the OS's peak would be the run's so far).</summary>
internal sealed class StageMeter : IDisposable
{
    private readonly Thread _sampler;
    private volatile bool _stop;
    private long _peak;

    public StageMeter()
    {
        _sampler = new Thread(Sample) { IsBackground = true };
        _sampler.Start();
    }

    public Dictionary<string, (double Seconds, long PeakBytes)> Results { get; } = new();

    public T Stage<T>(string name, Func<T> body)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Interlocked.Exchange(ref _peak, Environment.WorkingSet);
        var clock = Stopwatch.StartNew();
        var result = body();
        Results[name] = (clock.Elapsed.TotalSeconds, Math.Max(Interlocked.Read(ref _peak), Environment.WorkingSet));
        return result;
    }

    private void Sample()
    {
        while (!_stop)
        {
            long now = Environment.WorkingSet;
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen) { }
            Thread.Sleep(10);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _sampler.Join();
    }
}
