namespace YoloCompress.Core.Caching;

/// <summary>A folder of finished compressions, ROOT/KEY/{NAME.onnx, NAME.yolo.json, outcome.json},
/// safe to share between concurrent builds on one machine:
/// - a per-key lock file (an exclusive OS file lock, released when the process dies) makes a second
///   process wait for the first and then reuse its result instead of compressing twice;
/// - an entry is built in a private staging folder and published by one directory rename, so a
///   reader sees a complete entry or none, even if the lock is bypassed or the writer crashes.</summary>
public sealed class CompressionCache
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public CompressionCache(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    /// <summary>The default machine-wide cache: LOCALAPPDATA/YoloCompress/cache (~/.local/share on Linux).</summary>
    public static string DefaultRoot =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "YoloCompress", "cache");

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
        var path = Path.Combine(Root, ".staging", $"{Environment.ProcessId}-{Guid.NewGuid():N}");
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
