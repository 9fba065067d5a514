using System.Text.Json;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Cli;

/// <summary>The tool as a user runs it: real process, real files, exit codes and JSON output.</summary>
public sealed class CliCommandTests : IDisposable
{
    private readonly string _temp = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Inspect_reports_parameters_flops_and_classes_as_json()
    {
        var r = CliProcess.Run("inspect", TestData.Yolov5n, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        Assert.Equal(1_867_405, json.RootElement.GetProperty("parameters").GetInt64());
        Assert.InRange(json.RootElement.GetProperty("gflops").GetDouble(), 4.3, 4.6);
        Assert.Equal(80, json.RootElement.GetProperty("classes").GetInt32());
        Assert.Equal("person", json.RootElement.GetProperty("names")[0].GetString());
    }

    [Fact]
    public void Compress_int8_summary_says_what_onnx_runtime_fused()
    {
        var r = CliProcess.Run("compress", TestData.Yolov5n, "--calib", Path.Combine(TestData.Coco16, "images"),
            "--set", "CalibrationCount=4", "-o", _temp, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var runtime = json.RootElement.GetProperty("runtime");
        // yolov5n's 60 convs: 54 integer, the 3 stem and 3 Detect convs float by design; no float island.
        Assert.Equal(54, runtime.GetProperty("integerKernels").GetProperty("QLinearConv").GetInt32());
        Assert.Equal(6, runtime.GetProperty("floatNodes").GetProperty("Conv").GetInt32());
        Assert.Equal(0, runtime.GetProperty("floatIslands").GetArrayLength());
        // The runtime view is in the summary only: .yolo.json must not change with it.
        Assert.DoesNotContain("integerKernels", File.ReadAllText(Path.Combine(_temp, "yolov5n.yolo.json")));
    }

    [Fact]
    public void Export_is_deterministic_and_detect_draws_the_reference_detections()
    {
        var a = Path.Combine(_temp, "a.onnx");
        var b = Path.Combine(_temp, "b.onnx");
        Assert.Equal(0, CliProcess.Run("export", TestData.Yolov5n, "-o", a).ExitCode);
        Assert.Equal(0, CliProcess.Run("export", TestData.Yolov5n, "-o", b).ExitCode);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));

        var png = Path.Combine(_temp, "bus.png");
        var r = CliProcess.Run("detect", a, TestData.Reference("bus.jpg"), "-o", png, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        var names = json.RootElement.GetProperty("detections").EnumerateArray().Select(d => d.GetProperty("name").GetString()).ToArray();
        Assert.Equal(new[] { "person", "person", "person", "bus" }, names);
        var drawn = RgbImage.Load(png);
        Assert.Equal((810, 1080), (drawn.Width, drawn.Height));
    }

    [Fact]
    public void Eval_on_the_shipped_labelled_images_prints_map()
    {
        var r = CliProcess.Run("eval", TestData.Samples("models/yolov5n.pt"), "--data", TestData.Samples("coco16"), "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var json = JsonDocument.Parse(r.StdOut);
        Assert.Equal(16, json.RootElement.GetProperty("images").GetInt32());
        // The float model on these 16 images (measured: 0.544); a broken pipeline lands far away.
        Assert.InRange(json.RootElement.GetProperty("map50To95").GetDouble(), 0.50, 0.59);
    }

    [Fact]
    public void Bad_input_exits_non_zero_and_names_the_file()
    {
        var missing = Path.Combine(_temp, "missing.pt");
        var r = CliProcess.Run("inspect", missing);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("missing.pt", r.StdErr);

        var notZip = Path.Combine(_temp, "text.pt");
        File.WriteAllText(notZip, "not a checkpoint");
        r = CliProcess.Run("export", notZip, "-o", Path.Combine(_temp, "x.onnx"));
        Assert.Equal(1, r.ExitCode);
        Assert.DoesNotContain("   at ", r.StdErr); // one line naming the problem, not a stack trace
        Assert.Contains("text.pt", r.StdErr);
        Assert.False(File.Exists(Path.Combine(_temp, "x.onnx")));
    }
}

/// <summary>`prune` through the real tool: channels are physically removed and the metadata says so.</summary>
public sealed class CliPruneTests : IDisposable
{
    private readonly string _temp = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void Prune_removes_channels_and_records_them()
    {
        var r = CliProcess.Run("prune", TestData.Samples("models/yolov5n.pt"), "--ratio", "0.25", "--no-recovery",
            "--calib", TestData.Samples("coco16/images"), "--set", "CalibrationCount=4", "-o", _temp, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);
        var onnx = Path.Combine(_temp, "yolov5n.onnx");
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(_temp, "yolov5n.yolo.json")));
        var metrics = metadata.RootElement.GetProperty("metrics");
        long before = metrics.GetProperty("before").GetProperty("parameters").GetInt64();
        long after = metrics.GetProperty("after").GetProperty("parameters").GetInt64();
        Assert.True(after < before * 0.65, $"parameters {before} -> {after}");
        Assert.True(metadata.RootElement.GetProperty("pruning").GetProperty("layers").GetArrayLength() > 0);
        using var detector = new YoloDetector(onnx);
        Assert.Equal(80, detector.ClassCount);
        Assert.Equal("person", detector.Names[0]);
    }
}
