using YoloCompress.Core.Evaluation;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Evaluation;

public sealed class YoloDatasetTests : IDisposable
{
    private readonly string _dir = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    [SharedDataFact("coco128")]
    public void Coco128_Has128ImagesAnd929Labels()
    {
        var dataset = YoloDataset.Load(TestData.Coco128);

        Assert.Equal(128, dataset.Samples.Count);
        Assert.Equal(929, dataset.LabelCount); // the reference's count: 000000000250/508 have no label file
        Assert.Empty(dataset.Samples.Single(s => s.ImagePath.EndsWith("000000000250.jpg", StringComparison.Ordinal)).Labels);
        Assert.Equal(dataset.Samples.Select(s => s.ImagePath).Order(StringComparer.Ordinal), dataset.Samples.Select(s => s.ImagePath));

        var first = dataset.Samples[0];
        Assert.EndsWith(Path.Combine("images", "train2017", "000000000009.jpg"), first.ImagePath);
        Assert.Equal(new YoloLabel(45, 0.479492f, 0.688771f, 0.955609f, 0.5955f), first.Labels[0]);
    }

    [Fact]
    public void Load_NestedFolders_DuplicatesAndPolygons()
    {
        Write("images/a/one.jpg", "x");
        Write("images/b/two.PNG", "x");
        Write("images/notes.txt", "ignored");
        Write("labels/a/one.txt", "1 0.5 0.5 0.2 0.2\n\n1 0.5 0.5 0.2 0.2\n0 0.1 0.1 0.1 0.1\n");
        Write("labels/b/two.txt", "3 0.1 0.2 0.3 0.2 0.3 0.6\n");

        var dataset = YoloDataset.Load(_dir);

        Assert.Equal(2, dataset.Samples.Count);
        Assert.Equal([new YoloLabel(1, 0.5f, 0.5f, 0.2f, 0.2f), new YoloLabel(0, 0.1f, 0.1f, 0.1f, 0.1f)], dataset.Samples[0].Labels);
        var polygon = Assert.Single(dataset.Samples[1].Labels);
        Assert.Equal(3, polygon.ClassId);
        Assert.Equal(0.2f, polygon.CenterX, 1e-6f); // x 0.1..0.3
        Assert.Equal(0.4f, polygon.CenterY, 1e-6f); // y 0.2..0.6
        Assert.Equal(0.4f, polygon.Height, 1e-6f);
    }

    [Theory]
    [InlineData("0 0.5 0.5 0.2", "found 4 values")]
    [InlineData("0 0.5 abc 0.2 0.2", "'abc' is not a number")]
    [InlineData("1.5 0.5 0.5 0.2 0.2", "not a non-negative integer")]
    [InlineData("0 0.5 0.5 1.2 0.2", "outside 0..1")]
    public void Load_MalformedLine_NamesFileAndLine(string badLine, string problem)
    {
        Write("images/x.jpg", "x");
        Write("labels/x.txt", "0 0.5 0.5 0.2 0.2\n" + badLine + "\n");

        var ex = Assert.Throws<InvalidDataException>(() => YoloDataset.Load(_dir));

        Assert.Contains(Path.Combine(_dir, "labels", "x.txt"), ex.Message);
        Assert.Contains("line 2", ex.Message);
        Assert.Contains(problem, ex.Message);
    }

    [Fact]
    public void Load_WithoutImages_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => YoloDataset.Load(_dir));
        Directory.CreateDirectory(Path.Combine(_dir, "images"));
        Assert.Throws<InvalidDataException>(() => YoloDataset.Load(_dir));
    }

    [Fact]
    public void ToPixels_ScalesAndClips()
    {
        var box = new YoloLabel(0, 0.5f, 0.5f, 0.5f, 0.25f).ToPixels(200, 100);
        Assert.Equal(new YoloCompress.Runtime.BoundingBox(50, 37.5f, 150, 62.5f), box);

        var edge = new YoloLabel(0, 0.95f, 0.5f, 0.2f, 0.2f).ToPixels(100, 100);
        Assert.Equal(100f, edge.X2);
    }
}
