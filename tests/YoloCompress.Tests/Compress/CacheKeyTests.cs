using YoloCompress.Core.Calibration;
using YoloCompress.Core.Caching;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Compress;

public sealed class CacheKeyTests : IDisposable
{
    private readonly string _folder = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string relative, string content)
    {
        var path = Path.Combine(_folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private CompressionRequest Request(string root = "a") => new(
        Write($"{root}/m.pt", "weights"),
        [Write($"{root}/calib/1.jpg", "one"), Write($"{root}/calib/2.jpg", "two")],
        null,
        new CompressionSettings(),
        "int8",
        Path.Combine(_folder, "out"),
        "m");

    [Fact]
    public void SameInputsInAnotherFolderGiveTheSameKey()
    {
        var key = CompressionCacheKey.Compute(Request("a"), "1.0.0");
        Assert.Equal(CompressionCacheKey.Length, key.Length);
        Assert.Equal(key, CompressionCacheKey.Compute(Request("b"), "1.0.0"));
    }

    [Fact]
    public void EachInputChangesTheKey()
    {
        var request = Request();
        var key = CompressionCacheKey.Compute(request, "1.0.0");
        var keys = new List<string>
        {
            CompressionCacheKey.Compute(request, "1.0.1"),
            CompressionCacheKey.Compute(request with { Settings = request.Settings with { Pruning = request.Settings.Pruning with { Ratio = 0.1 } } }, "1.0.0"),
            CompressionCacheKey.Compute(request with { ProfileName = "mine" }, "1.0.0"),
            CompressionCacheKey.Compute(request with { OutputName = "n" }, "1.0.0"),
            CompressionCacheKey.Compute(request with { CalibrationImages = request.CalibrationImages.Reverse().ToArray() }, "1.0.0"),
            CompressionCacheKey.Compute(request with { CalibrationImages = request.CalibrationImages.Take(1).ToArray() }, "1.0.0"),
        };
        Write("a/labels/x.txt", "0 0.5 0.5 0.1 0.1");
        Write("a/images/x.jpg", "img");
        keys.Add(CompressionCacheKey.Compute(request with { ValidationSet = Path.Combine(_folder, "a") }, "1.0.0"));
        Write("a/calib/2.jpg", "TWO");
        keys.Add(CompressionCacheKey.Compute(request, "1.0.0"));
        Write("a/m.pt", "weights2");
        keys.Add(CompressionCacheKey.Compute(request, "1.0.0"));

        Assert.DoesNotContain(key, keys);
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void CalibrationChoiceIsSortedAndEvenlySpaced()
    {
        var images = Enumerable.Range(0, 10).Select(i => Path.Combine(_folder, $"{9 - i:00}.jpg")).ToArray();
        var chosen = CalibrationImages.Choose(images, 4).Select(Path.GetFileName);
        Assert.Equal(["00.jpg", "02.jpg", "05.jpg", "07.jpg"], chosen);
        Assert.Equal(10, CalibrationImages.Choose(images, 64).Count);
    }
}
