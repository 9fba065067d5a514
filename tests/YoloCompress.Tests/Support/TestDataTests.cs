using YoloCompress.Core.IO;

namespace YoloCompress.Tests.Support;

/// <summary>The test data rules themselves: what a missing shared file makes a test say, and that the
/// shipped copies the tests use in place of the shared files are the same bytes.</summary>
public sealed class TestDataTests : IDisposable
{
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Missing_names_each_absent_file_and_how_to_provide_it()
    {
        Directory.CreateDirectory(Path.Combine(_root.Path, "weights"));
        File.WriteAllText(Path.Combine(_root.Path, "weights", "a.pt"), "x");

        Assert.Null(SharedData.Missing(_root.Path, ["weights/a.pt", "weights"]));
        Assert.Null(SharedData.Missing(_root.Path, []));
        var message = SharedData.Missing(_root.Path, ["weights/a.pt", "weights/b.pt", "coco128"]);
        Assert.Equal($"needs ../shared/data (weights/b.pt, coco128); set YOLOCOMPRESS_SHARED_DATA or clone beside shared/ (looked in {_root.Path})", message);
        Assert.Contains("(the folder)", SharedData.Missing(Path.Combine(_root.Path, "absent"), []));
    }

    [Fact]
    public void Shipped_files_are_found_first_and_exist()
    {
        Assert.Equal(TestData.Samples("models/yolov5n.pt"), TestData.Yolov5n);
        Assert.Equal(TestData.Samples("reference/bus.jpg"), TestData.Reference("bus.jpg"));
        Assert.Equal(Path.Combine(TestData.Shared, "weights", "yolov5n-face-1cls.pt"), TestData.Weights("yolov5n-face-1cls.pt"));
        Assert.All(new[] { TestData.Yolov5n, TestData.Reference("zidane.jpg"), TestData.Reference("yolov5n-detections.json") },
            path => Assert.True(File.Exists(path), path));
        Assert.Equal(16, Directory.GetFiles(Path.Combine(TestData.Coco16, "images"), "*.jpg").Length);
    }

    [SharedDataFact("weights/yolov5n.pt", "reference", "coco128")]
    public void Shipped_copies_are_byte_identical_to_the_shared_files()
    {
        Assert.Equal(FileDigest.Sha256Hex(Path.Combine(TestData.Shared, "weights", "yolov5n.pt")), FileDigest.Sha256Hex(TestData.Yolov5n));
        foreach (var file in new[] { "bus.jpg", "zidane.jpg", "yolov5n-detections.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(TestData.Shared, "reference", file)), File.ReadAllBytes(TestData.Reference(file)));
        // coco16 is coco128's first 16 images in name order, with their labels.
        var shared = Directory.GetFiles(Path.Combine(TestData.Coco128, "images", "train2017"), "*.jpg").Order(StringComparer.Ordinal).Take(16).ToArray();
        var shipped = Directory.GetFiles(Path.Combine(TestData.Coco16, "images"), "*.jpg").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(shared.Length, shipped.Length);
        foreach (var (a, b) in shared.Zip(shipped))
        {
            Assert.Equal(Path.GetFileName(a), Path.GetFileName(b));
            Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
            var label = Path.ChangeExtension(Path.GetFileName(a), ".txt");
            Assert.Equal(File.ReadAllText(Path.Combine(TestData.Coco128, "labels", "train2017", label)), File.ReadAllText(Path.Combine(TestData.Coco16, "labels", label)));
        }
    }
}
