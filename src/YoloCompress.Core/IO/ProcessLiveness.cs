using System.Diagnostics;

namespace YoloCompress.Core.IO;

/// <summary>Whether the process that left a file or folder named with its id may still be using it: the
/// test that lets a run sweep what killed runs left behind (which no cleanup code of theirs could remove)
/// without touching what a running one uses.</summary>
public static class ProcessLiveness
{
    /// <summary>False when no process <paramref name="pid"/> runs, or the one that does started after
    /// <paramref name="writtenUtc"/> (so it reuses a dead owner's id); true when it may be the owner, or
    /// when that cannot be told.</summary>
    public static bool MayOwn(int pid, DateTime writtenUtc)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
                return false;
            // One second of slack for file systems with coarse timestamps: when unsure, it is kept.
            return process.StartTime.ToUniversalTime() <= writtenUtc.AddSeconds(1);
        }
        catch (ArgumentException)
        {
            return false; // no process with this id
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return true;
        }
    }
}
