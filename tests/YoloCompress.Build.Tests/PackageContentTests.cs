using System.IO.Compression;

namespace YoloCompress.Build.Tests;

/// <summary>What a consuming project restores: the compressor inside YoloCompress.Build ships without the training
/// backend (TorchSharp, libtorch), which stays opt-in (YoloCompressTrainingBackend), and without the repository's
/// record of where its own build put it.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageContentTests(PackedFeed feed)
{
    [Fact]
    public void The_package_carries_no_libtorch_and_no_training_backend()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"YoloCompress.Build.{feed.Version}.nupkg"));
        var files = package.Entries.Select(e => e.FullName).ToList();

        Assert.Contains(files, f => f.EndsWith("tools/compressor/dotnet-yolo-compress.dll", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.Contains("torch", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(files, f => f.EndsWith("training-backend.path", StringComparison.Ordinal));
        Assert.True(package.Entries.Sum(e => e.Length) < 400_000_000, $"{package.Entries.Sum(e => e.Length) / 1e6:0} MB unpacked");
    }
}
