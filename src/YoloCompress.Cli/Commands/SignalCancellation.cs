using System.Runtime.InteropServices;

namespace YoloCompress.Cli.Commands;

/// <summary>Turns Ctrl+C (SIGINT) and SIGTERM during a command into a cancellation, so the run stops at its
/// next check, removes its staging folder and says so, instead of the process dying with a half-made folder
/// beside the outputs. The first signal cancels; a second one ends the process at once (the next run sweeps
/// what that leaves). The exit code is then the shell's for the signal: 130 for SIGINT, 143 for SIGTERM.</summary>
internal sealed class SignalCancellation : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _received; // 0 until the first signal, then its exit code

    /// <summary>A token that <paramref name="outer"/> cancels, and with <paramref name="handleSignals"/> the signals too.</summary>
    public SignalCancellation(CancellationToken outer, bool handleSignals = true)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        if (!handleSignals)
            return;
        Register(PosixSignal.SIGINT, 130);
        Register(PosixSignal.SIGTERM, 143);
    }

    public CancellationToken Token => _source.Token;

    /// <summary>130 or 143 once a signal cancelled the run; null before.</summary>
    public int? ExitCode => Volatile.Read(ref _received) is var code and not 0 ? code : null;

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _source.Dispose();
    }

    private void Register(PosixSignal signal, int exitCode)
    {
        try
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                if (Interlocked.CompareExchange(ref _received, exitCode, 0) != 0)
                    return; // the second signal: the default, which ends the process
                context.Cancel = true;
                _source.Cancel();
            }));
        }
        catch (PlatformNotSupportedException)
        {
            // A platform without this signal: its default stays.
        }
    }
}
