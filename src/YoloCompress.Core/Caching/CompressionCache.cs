using YoloCompress.Core.IO;

namespace YoloCompress.Core.Caching;

/// <summary>A folder of finished compressions, ROOT/KEY/{NAME.onnx, NAME.yolo.json, outcome.json},
/// safe to share between concurrent builds on one machine:
/// - a per-key lock file (an exclusive OS file lock, released when the process dies) makes a second
///   process wait for the first and then reuse its result instead of compressing twice;
/// - an entry is built in a private staging folder and published by one directory rename, so a
///   reader sees a complete entry or none, even if the lock is bypassed or the writer crashes;
/// - an entry's folder time is its last use (<see cref="MarkUsed"/>), and <see cref="Trim"/> removes
///   entries unused for <see cref="MaxUnused"/>, so the cache does not grow without end.</summary>
public sealed class CompressionCache
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Entries unused this long are removed by <see cref="Trim"/>.</summary>
    public static readonly TimeSpan MaxUnused = TimeSpan.FromDays(30);

    /// <summary>Staging folders older than this belong to a run that crashed (a compression takes minutes).</summary>
    private static readonly TimeSpan StagingLeftover = TimeSpan.FromDays(1);

    private const string StagingFolder = ".staging";

    public CompressionCache(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string EntryPath(string key) => Path.Combine(Root, key);

    /// <summary>The finished entry for <paramref name="key"/>, or null.</summary>
    public OutcomeRecord? TryGet(string key) => OutcomeRecord.TryLoad(EntryPath(key));

    /// <summary>Waits until this process holds the key's lock. Dispose to release.</summary>
    public IDisposable Lock(string key, TimeSpan timeout, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(Root);
        var path = Path.Combine(Root, key + ".lock");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            try
            {
                // FileShare.None takes an exclusive lock (flock on Unix, a share mode on Windows).
                // The file itself is left behind: deleting lock files races with the next taker.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(PollInterval);
            }
            catch (UnauthorizedAccessException) when (DateTime.UtcNow < deadline)
            {
                // Windows reports a file being deleted or locked this way at times.
                Thread.Sleep(PollInterval);
            }
        }
    }

    /// <summary>A fresh private folder under the cache root to compress into.</summary>
    public string NewStagingDirectory()
    {
        var path = Path.Combine(Root, StagingFolder, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Moves a complete staging folder (with its outcome.json) into place as KEY. When
    /// another process published KEY first, its entry is kept and the staging folder removed.</summary>
    public OutcomeRecord Publish(string key, string stagingDirectory)
    {
        var target = EntryPath(key);
        if (OutcomeRecord.TryLoad(target) is null)
        {
            // A leftover half entry (written by hand or a tool other than this) is moved aside first.
            if (Directory.Exists(target))
                TryDeleteDirectory(target);
            try
            {
                Directory.Move(stagingDirectory, target);
            }
            catch (IOException) when (OutcomeRecord.TryLoad(target) is not null)
            {
                // Lost the race to another publisher: same key, same content.
            }
        }
        if (Directory.Exists(stagingDirectory))
            TryDeleteDirectory(stagingDirectory);
        return OutcomeRecord.TryLoad(target) ?? throw new IOException($"The cache entry {target} is incomplete after publishing.");
    }

    /// <summary>Records that <paramref name="key"/> was used now (its folder's time), best effort.</summary>
    public void MarkUsed(string key)
    {
        try
        {
            Directory.SetLastWriteTimeUtc(EntryPath(key), DateTime.UtcNow);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Removes entries unused for <paramref name="maxUnused"/> (default <see cref="MaxUnused"/>) and
    /// staging folders left by crashed runs (a day old, or at once when no process with their id runs). An entry whose lock another process holds is skipped; an entry
    /// is moved into the staging area before it is deleted, so a reader never sees half of one.
    /// Best effort: what cannot be removed stays. Returns the keys removed.</summary>
    public IReadOnlyList<string> Trim(TimeSpan? maxUnused = null)
    {
        var removed = new List<string>();
        if (!Directory.Exists(Root)) return removed;
        var now = DateTime.UtcNow;
        var stagingRoot = Path.Combine(Root, StagingFolder);
        if (Directory.Exists(stagingRoot))
            foreach (var leftover in Directory.GetDirectories(stagingRoot))
                if (now - Directory.GetLastWriteTimeUtc(leftover) > StagingLeftover || OwnerIsGone(leftover))
                    TryDeleteDirectory(leftover);

        foreach (var entry in Directory.GetDirectories(Root).Order(StringComparer.Ordinal))
        {
            var key = Path.GetFileName(entry);
            if (key.StartsWith('.') || now - Directory.GetLastWriteTimeUtc(entry) <= (maxUnused ?? MaxUnused)) continue;
            try
            {
                using (Lock(key, TimeSpan.Zero))
                {
                    var doomed = Path.Combine(stagingRoot, $"trim-{Environment.ProcessId}-{Guid.NewGuid():N}");
                    Directory.CreateDirectory(stagingRoot);
                    Directory.Move(entry, doomed);
                    TryDeleteDirectory(doomed);
                }
                removed.Add(key);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    // A staging folder is named "PID-GUID" (NewStagingDirectory) or "trim-PID-GUID" (Trim): once no process
    // with that id runs, it belongs to a killed run, however young it is.
    private static bool OwnerIsGone(string folder)
    {
        var parts = Path.GetFileName(folder).Split('-');
        var (pid, guid) = parts.Length switch { 2 => (parts[0], parts[1]), 3 when parts[0] == "trim" => (parts[1], parts[2]), _ => ("", "") };
        return int.TryParse(pid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) && id > 0
            && Guid.TryParseExact(guid, "N", out _) && !ProcessLiveness.MayOwn(id, Directory.GetLastWriteTimeUtc(folder));
    }

    public static void TryDeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
