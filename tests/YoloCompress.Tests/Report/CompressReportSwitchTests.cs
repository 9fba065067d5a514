using System.CommandLine;
using YoloCompress.Cli.Commands;
using YoloCompress.Tests.Compress;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Report;

/// <summary>compress writes NAME.report.html by default and names it on its summary line; --no-report writes none
/// and removes the one an earlier run left, which would describe another model.</summary>
public sealed class CompressReportSwitchTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_page_is_on_by_default_and_no_report_removes_a_stale_one()
    {
        var model = Path.Combine(_temp.Path, "yolov5n.pt");
        File.WriteAllText(model, "not really a checkpoint");
        var calib = Path.Combine(_temp.Path, "calib");
        Directory.CreateDirectory(calib);
        File.WriteAllText(Path.Combine(calib, "0.jpg"), "image");
        var output = Path.Combine(_temp.Path, "out");
        var page = Path.Combine(output, "yolov5n.report.html");

        var (code, stdout) = Run(model, "--calib", calib, "-o", output);
        Assert.Equal(0, code);
        Assert.True(File.Exists(page));
        Assert.Contains($"; report {page}", stdout, StringComparison.Ordinal);

        (code, stdout) = Run(model, "--calib", calib, "-o", output, "--no-report");
        Assert.Equal(0, code);
        Assert.False(File.Exists(page));
        Assert.DoesNotContain("; report", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "yolov5n.yolo.json")));
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var root = new RootCommand { CompressCommand.Create(new FakeCompressor().Run) };
        var output = new StringWriter();
        var code = root.Parse(["compress", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = new StringWriter() });
        return (code, output.ToString());
    }
}
