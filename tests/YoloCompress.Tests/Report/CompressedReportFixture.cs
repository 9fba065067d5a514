using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Report;

/// <summary>One real compress of the shipped yolov5n (pruned-int8, 8 calibration images of coco16, coco16 as the
/// validation set), shared by the report's tests: the page it wrote, and the NAME.yolo.json it was built from.</summary>
public sealed class CompressedReportFixture : IDisposable
{
    private readonly TempFolder _temp = new();

    public CompressedReportFixture()
    {
        var calib = System.IO.Path.Combine(_temp.Path, "calib");
        Directory.CreateDirectory(calib);
        foreach (var image in Directory.GetFiles(TestData.Samples("coco16/images"), "*.jpg").Order(StringComparer.Ordinal).Take(8))
            File.Copy(image, System.IO.Path.Combine(calib, System.IO.Path.GetFileName(image)));
        Output = System.IO.Path.Combine(_temp.Path, "out");
        Result = CliProcess.Run("compress", TestData.Yolov5n, "--calib", calib, "--data", TestData.Coco16, "--profile", "pruned-int8", "-o", Output);
    }

    public CliProcess.Result Result { get; }

    public string Output { get; }

    public string PagePath => System.IO.Path.Combine(Output, "yolov5n.report.html");

    public string MetadataPath => System.IO.Path.Combine(Output, "yolov5n.yolo.json");

    /// <summary>A fresh folder for a test's own files, removed with the fixture.</summary>
    public string NewFolder()
    {
        var dir = System.IO.Path.Combine(_temp.Path, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public void Dispose() => _temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CompressedReportCollection : ICollectionFixture<CompressedReportFixture>
{
    public const string Name = "compressed yolov5n report";
}
