using System.Globalization;
using YoloCompress.Core.Caching;
using YoloCompress.Core.IO;

namespace YoloCompress.Core.Compress;

/// <summary>The private folder a run without a cache compresses into, beside its outputs (same volume, so
/// the outputs are copied into place only once every budget passed): <c>.yolocompress-PID-GUID</c>. A
/// cancelled or failed run removes its own; a run that was killed cannot, so each run first sweeps what
/// processes that no longer run left in its output folder: their staging folders and the temporary files
/// of <see cref="IO.AtomicFile"/> (<c>.NAME.PID.GUID.tmp</c>).</summary>
internal static class OutputStaging
{
    private const string Prefix = ".yolocompress-";

    /// <summary>Creates this run's staging folder in <paramref name="outputDirectory"/>.</summary>
    public static string Create(string outputDirectory)
    {
        var path = Path.Combine(outputDirectory, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes the leftovers in <paramref name="outputDirectory"/> whose process is gone. One is kept
    /// while a process with its id runs and started before it was last written: that may be another
    /// compression into the same folder, this one included. Best effort: a folder that cannot be listed or
    /// a leftover that cannot be deleted is left for the next run.</summary>
    public static void SweepOrphans(string outputDirectory)
    {
        try
        {
            if (!Directory.Exists(outputDirectory))
                return;
            foreach (var folder in Directory.GetDirectories(outputDirectory, Prefix + "*"))
                if (FolderOwner(Path.GetFileName(folder)) is { } pid && !ProcessLiveness.MayOwn(pid, Directory.GetLastWriteTimeUtc(folder)))
                    CompressionCache.TryDeleteDirectory(folder);
            foreach (var file in Directory.GetFiles(outputDirectory, ".*.tmp"))
                if (TempFileOwner(Path.GetFileName(file)) is { } pid && !ProcessLiveness.MayOwn(pid, File.GetLastWriteTimeUtc(file)))
                    File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The process id in ".yolocompress-PID-GUID", or null for a folder of another shape (left alone).</summary>
    internal static int? FolderOwner(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            return null;
        var rest = name.AsSpan(Prefix.Length);
        var dash = rest.IndexOf('-');
        return dash > 0 && Guid.TryParseExact(rest[(dash + 1)..], "N", out _) ? Pid(rest[..dash]) : null;
    }

    /// <summary>The process id in AtomicFile's ".NAME.PID.GUID.tmp", or null for a file of another shape.</summary>
    internal static int? TempFileOwner(string name)
    {
        var parts = name.Split('.');
        // "", NAME (itself possibly dotted), PID, GUID, "tmp"
        return parts.Length >= 5 && parts[0].Length == 0 && parts[^1] == "tmp" && Guid.TryParseExact(parts[^2], "N", out _)
            ? Pid(parts[^3]) : null;
    }

    private static int? Pid(ReadOnlySpan<char> text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
}
