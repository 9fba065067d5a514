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
