using System.Diagnostics;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Graph;

public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Export_writes_a_folded_model_deterministically()
    {
        var first = Path.Combine(_dir, "a", "yolov5n.onnx");
        var second = Path.Combine(_dir, "b", "yolov5n.onnx");

        var timer = Stopwatch.StartNew();
        var model = OnnxExport.Export(TestData.Yolov5n, first);
        var elapsed = timer.Elapsed;
        OnnxExport.Export(TestData.Yolov5n, second);

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "BatchNormalization");
        Assert.Contains(model.Graph.Initializer, t => t.Name == "model.0.conv.bias");
        Assert.Equal(new[] { "yolov5n.onnx" }, Directory.GetFiles(Path.Combine(_dir, "a")).Select(Path.GetFileName)); // no temp files left
        // float32 weights of 1.87 M parameters plus the decode constants
        Assert.InRange(new FileInfo(first).Length, 7_300_000, 7_700_000);
        Assert.True(elapsed < TimeSpan.FromSeconds(10), $"import + export took {elapsed}");
    }

    [Fact]
    public void A_failed_export_leaves_the_previous_file_untouched()
    {
        var target = Path.Combine(_dir, "model.onnx");
        File.WriteAllText(target, "previous");
        var bad = Path.Combine(_dir, "bad.pt");
        File.WriteAllText(bad, "not a checkpoint");

        Assert.ThrowsAny<Exception>(() => OnnxExport.Export(bad, target));
        Assert.Equal("previous", File.ReadAllText(target));
    }
}
