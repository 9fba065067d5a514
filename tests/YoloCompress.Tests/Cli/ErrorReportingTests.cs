using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Cli;

/// <summary>Expected failures end in one coded line that names what is at fault, never a stack trace.</summary>
public sealed class ErrorReportingTests : IDisposable
{
    private readonly string _temp = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void A_corrupt_calibration_image_is_one_coded_line_naming_the_file()
    {
        var calib = Directory.CreateDirectory(Path.Combine(_temp, "calib")).FullName;
        var good = Directory.GetFiles(TestData.Samples("coco16/images"), "*.jpg", SearchOption.AllDirectories).Order().First();
        File.Copy(good, Path.Combine(calib, "a.jpg"));
        File.WriteAllBytes(Path.Combine(calib, "b-broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        var r = CliProcess.Run("compress", TestData.Samples("models/yolov5n.pt"), "--calib", calib, "-o", Path.Combine(_temp, "out"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("YC0030", r.StdErr);
        Assert.Contains("b-broken.jpg", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_temp, "out", "yolov5n.onnx")));
    }

    [Fact]
    public void A_missing_calibration_folder_in_sensitivity_is_the_same_coded_error_as_in_compress()
    {
        var missing = Path.Combine(_temp, "nowhere");
        var data = TestData.Samples("coco16");
        var compress = CliProcess.Run("compress", TestData.Samples("models/yolov5n.pt"), "--calib", missing, "-o", _temp);
        var sensitivity = CliProcess.Run("sensitivity", TestData.Samples("models/yolov5n.pt"), "--calib", missing, "--data", data);
        Assert.Equal((1, 1), (compress.ExitCode, sensitivity.ExitCode));
        Assert.Contains("YC0013", compress.StdErr);
        Assert.Contains("YC0013", sensitivity.StdErr);
        Assert.Contains(missing, sensitivity.StdErr);
        Assert.DoesNotContain("   at ", sensitivity.StdErr);
    }
}
