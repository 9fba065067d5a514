using System.CommandLine;
using System.Text.Json;
using YoloCompress.Cli.Commands;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Compress;

/// <summary>The compress command's front end with a fake compressor: argument checks, calibration
/// choice, the cache, budgets and atomic outputs. The real pipeline runs in YoloCompress.Build.Tests.</summary>
public sealed class CompressCommandTests : IDisposable
{
    private readonly string _folder = TestData.NewTempFolder();
    private readonly string _model;
    private readonly string _calib;

    public CompressCommandTests()
    {
        _model = Path.Combine(_folder, "yolov5n.pt");
        File.WriteAllText(_model, "not really a checkpoint");
        _calib = Path.Combine(_folder, "calib");
        Directory.CreateDirectory(_calib);
        for (var i = 0; i < 12; i++)
            File.WriteAllText(Path.Combine(_calib, $"{i:00}.jpg"), $"image {i}");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Out => Path.Combine(_folder, "out");

    private (int Code, string Output, string Error) Run(FakeCompressor fake, params string[] args)
    {
        var root = new RootCommand { CompressCommand.Create(fake.Run) };
        var output = new StringWriter();
        var error = new StringWriter();
        var code = root.Parse(["compress", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void WritesOutputsAndOneSummaryLine()
    {
        var fake = new FakeCompressor();
        var (code, output, error) = Run(fake, _model, "--calib", _calib, "--set", "CalibrationCount=5", "-o", Out);
        Assert.True(code == 0, error);
        Assert.Equal(1000, new FileInfo(Path.Combine(Out, "yolov5n.onnx")).Length);
        Assert.Contains("\"calibration\":{\"count\":5}", File.ReadAllText(Path.Combine(Out, "yolov5n.yolo.json")));
        Assert.StartsWith("yolov5n (int8): 3.81 MB -> 1000 B, mAP@0.5:0.95 n/a -> n/a, latency 40.0 -> 10.0 ms", output);
        Assert.Empty(Directory.GetDirectories(Out));
    }

    [Fact]
    public void JsonSummaryHasTheChosenImagesAndSettings()
    {
        var (code, output, _) = Run(new FakeCompressor(), _model, "--calib", _calib, "--set", "CalibrationCount=4", "--profile", "fp16", "-o", Out, "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("success").GetBoolean());
        Assert.Equal("fp16", root.GetProperty("settings").GetProperty("Quantization").GetString());
        var images = root.GetProperty("calibrationImages").EnumerateArray().Select(e => Path.GetFileName(e.GetString()!)).ToArray();
        Assert.Equal(["00.jpg", "03.jpg", "06.jpg", "09.jpg"], images);
        Assert.Equal(1000, root.GetProperty("after").GetProperty("fileBytes").GetInt64());
    }

    [Fact]
    public void AMistakeInAnotherProfileIsAWarningAndTheRunGoesOn()
    {
        var config = Path.Combine(_folder, "yolocompress.json");
        File.WriteAllText(config, "{ \"profiles\": {\n  \"edge\": { \"extends\": \"int8\" },\n  \"later\": { \"PruneRatio\": 2 } } }");
        var (code, _, error) = Run(new FakeCompressor(), _model, "--calib", _calib, "--config", config, "--profile", "edge", "-o", Out);
        Assert.Equal(0, code);
        Assert.Contains($"{config}(3): warning YC0007: Profile 'later' is not used here, but YC0002: Invalid value '2' for setting PruneRatio", error);
        Assert.True(File.Exists(Path.Combine(Out, "yolov5n.onnx")));
    }

    [Fact]
    public void ASecondRunWithTheSameInputsComesFromTheCache()
    {
        var cache = Path.Combine(_folder, "cache");
        var fake = new FakeCompressor();
        Assert.Equal(0, Run(fake, _model, "--calib", _calib, "-o", Out, "--cache", cache).Code);
        File.Delete(Path.Combine(Out, "yolov5n.onnx"));
        var (code, output, _) = Run(fake, _model, "--calib", _calib, "-o", Out, "--cache", cache);
        Assert.Equal(0, code);
        Assert.Equal(1, fake.Runs);
        Assert.EndsWith("(cached)", output.Trim());
        Assert.True(File.Exists(Path.Combine(Out, "yolov5n.onnx")));

        Assert.Equal(0, Run(fake, _model, "--calib", _calib, "-o", Out, "--cache", cache, "--set", "PruneRatio=0.1").Code);
        Assert.Equal(2, fake.Runs);
    }

    [Fact]
    public void ConcurrentRunsOfOneKeyCompressOnceAndAllSucceed()
    {
        var cache = Path.Combine(_folder, "cache");
        var fake = new FakeCompressor { Delay = TimeSpan.FromMilliseconds(500) };
        var results = Enumerable.Range(0, 3).AsParallel().WithDegreeOfParallelism(3)
            .Select(i => Run(fake, _model, "--calib", _calib, "-o", Path.Combine(_folder, $"out{i}"), "--cache", cache))
            .ToArray();
        Assert.All(results, r => Assert.True(r.Code == 0, r.Error));
        Assert.Equal(1, fake.Runs);
        Assert.Single(Directory.GetDirectories(cache), d => !Path.GetFileName(d).StartsWith('.'));
        Assert.Empty(Directory.GetDirectories(Path.Combine(cache, ".staging")));
    }

    [Fact]
    public void ABrokenSizeBudgetFailsAndLeavesThePreviousOutputs()
    {
        Assert.Equal(0, Run(new FakeCompressor(outputBytes: 1000), _model, "--calib", _calib, "-o", Out).Code);
        var (code, _, error) = Run(new FakeCompressor(outputBytes: 5000), _model, "--calib", _calib, "-o", Out, "--set", "MaxSize=4KB");
        Assert.Equal(1, code);
        Assert.Contains("error YC0020", error);
        Assert.Contains("over MaxSize 4 KB (4096 bytes) set by --set", error);
        Assert.Equal(1000, new FileInfo(Path.Combine(Out, "yolov5n.onnx")).Length);
        Assert.Empty(Directory.GetDirectories(Out));
    }

    [Fact]
    public void MapBudgetNeedsDataAndIsChecked()
    {
        var (code, output, _) = Run(new FakeCompressor(), _model, "--calib", _calib, "-o", Out, "--set", "MaxMapDrop=0.01", "--msbuild", "--origin", "/p/App.csproj");
        Assert.Equal(1, code);
        Assert.Contains("/p/App.csproj: error YC0022:", output);

        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "labels"));
        (code, _, var error) = Run(new FakeCompressor(mapAfter: 0.30), _model, "--calib", _calib, "-o", Out, "--data", data, "--set", "MaxMapDrop=0.01");
        Assert.Equal(1, code);
        Assert.Contains("error YC0021", error);
        Assert.Contains("0.3560 to 0.3000", error);
        Assert.Equal(0, Run(new FakeCompressor(mapAfter: 0.35), _model, "--calib", _calib, "-o", Out, "--data", data, "--set", "MaxMapDrop=0.01").Code);
    }

    [Fact]
    public void ALatencyBudgetOnlyWarns()
    {
        var (code, _, error) = Run(new FakeCompressor(latencyAfter: 30), _model, "--calib", _calib, "-o", Out, "--set", "MaxLatency=20ms");
        Assert.Equal(0, code);
        Assert.Contains("warning YC0023", error);
    }

    [Fact]
    public void MsBuildModeAttributesSettingsToTheProject()
    {
        var fake = new FakeCompressor();
        var (code, output, _) = Run(fake, _model, "--calib", _calib, "-o", Out, "--set", "Calibration=kl", "--msbuild", "--origin", "/p/App.csproj");
        Assert.Equal(1, code);
        Assert.Equal(0, fake.Runs);
        Assert.StartsWith("/p/App.csproj: error YC0002: Invalid value 'kl' for setting Calibration (YoloModel metadata Calibration, property YoloCompressCalibration", output);
        Assert.False(Directory.Exists(Out) && Directory.EnumerateFileSystemEntries(Out).Any());
    }

    [Fact]
    public void InputsAreCheckedBeforeAnyWork()
    {
        var fake = new FakeCompressor();
        Assert.Contains("error YC0010", Run(fake, Path.Combine(_folder, "missing.pt"), "-o", Out).Error);
        Assert.Contains("error YC0012", Run(fake, _model, "-o", Out).Error);
        Assert.Contains("error YC0014", Run(fake, _model, "--calib", _calib, "--data", _calib, "-o", Out).Error);
        Assert.Contains("error YC0040", Run(fake, _model, "--calib", _calib, "-o", Out, "--onnxruntime-version", "1.10.0").Error);
        Assert.Equal(0, Run(fake, _model, "--calib", _calib, "-o", Out, "--onnxruntime-version", "[1.16.3, )").Code);
        Assert.Equal(0, Run(fake, _model, "--profile", "fp16", "-o", Out).Code);
        Assert.Equal(2, fake.Runs);
    }

    [Fact]
    public void ACalibrationListPointsAtItsBadLine()
    {
        var list = Path.Combine(_folder, "calib.txt");
        File.WriteAllLines(list, ["calib/00.jpg", "# comment", "calib/nope.jpg"]);
        var (code, output, _) = Run(new FakeCompressor(), _model, "--calib-list", list, "-o", Out, "--msbuild");
        Assert.Equal(1, code);
        Assert.Contains($"{list}(3): error YC0013: Calibration image not found", output);
    }

    [Fact]
    public void APipelineFailureIsYc0030AndWritesNothing()
    {
        var root = new RootCommand { CompressCommand.Create((_, _, _) => throw new InvalidDataException("bad checkpoint")) };
        var error = new StringWriter();
        var code = root.Parse(["compress", _model, "--calib", _calib, "-o", Out]).Invoke(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(1, code);
        Assert.Contains("error YC0030", error.ToString());
        Assert.Contains("bad checkpoint", error.ToString());
        Assert.Empty(Directory.GetFileSystemEntries(Out));
    }
}
