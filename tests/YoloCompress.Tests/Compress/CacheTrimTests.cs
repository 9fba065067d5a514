using YoloCompress.Core.Caching;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Compress;

/// <summary>The machine-wide cache forgets entries nobody used for a month, never one in use.</summary>
public sealed class CacheTrimTests : IDisposable
{
    private readonly string _root = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Entry(string key, double daysUnused)
    {
        var path = Path.Combine(_root, key);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, OutcomeRecord.FileName), "{}");
        Directory.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-daysUnused));
        return path;
    }

    [Fact]
    public void Entries_unused_for_longer_than_the_limit_go_and_the_rest_stays()
    {
        var cache = new CompressionCache(_root);
        var old = Entry("old", 45);
        var fresh = Entry("fresh", 2);
        var locked = Entry("locked", 45);
        var crashed = Path.Combine(_root, ".staging", "123-crashed");
        Directory.CreateDirectory(crashed);
        Directory.SetLastWriteTimeUtc(crashed, DateTime.UtcNow.AddDays(-3));
        var running = Path.Combine(_root, ".staging", "456-running");
        Directory.CreateDirectory(running);

        IReadOnlyList<string> removed;
        using (cache.Lock("locked", TimeSpan.FromSeconds(5)))
            removed = cache.Trim();

        Assert.Equal(["old"], removed);
        Assert.False(Directory.Exists(old));
        Assert.True(Directory.Exists(fresh));
        Assert.True(Directory.Exists(locked), "an entry another build holds is never removed");
        Assert.False(Directory.Exists(crashed));
        Assert.True(Directory.Exists(running));
        Assert.Equal(["456-running"], Directory.GetDirectories(Path.Combine(_root, ".staging")).Select(Path.GetFileName));
    }

    [Fact]
    public void A_fresh_staging_folder_goes_once_its_process_no_longer_runs()
    {
        var cache = new CompressionCache(_root);
        using var exited = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true })!;
        exited.StandardOutput.ReadToEnd();
        exited.WaitForExit();
        var killed = Directory.CreateDirectory(Path.Combine(_root, ".staging", $"{exited.Id}-{Guid.NewGuid():N}")).FullName;
        var killedTrim = Directory.CreateDirectory(Path.Combine(_root, ".staging", $"trim-{exited.Id}-{Guid.NewGuid():N}")).FullName;
        var mine = cache.NewStagingDirectory(); // this process runs: another compression may be using it

        cache.Trim();

        Assert.False(Directory.Exists(killed));
        Assert.False(Directory.Exists(killedTrim));
        Assert.True(Directory.Exists(mine));
    }

    [Fact]
    public void Using_an_entry_renews_it()
    {
        var cache = new CompressionCache(_root);
        var entry = Entry("key", 45);
        cache.MarkUsed("key");
        Assert.Empty(cache.Trim());
        Assert.True(Directory.Exists(entry));
        Assert.Equal(["key"], cache.Trim(TimeSpan.FromDays(-1)));
    }
}
