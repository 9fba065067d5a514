using YoloCompress.Core.Pipeline;

namespace YoloCompress.Tests.Compress;

/// <summary>Stands in for the pipeline in tests of the command's front end (cache, budgets, atomic
/// outputs): writes an "onnx" of a chosen size and a metadata file, and counts its runs.</summary>
internal sealed class FakeCompressor(long outputBytes = 1000, double mapAfter = 0.30, double latencyAfter = 10)
{
    private int _runs;

    public int Runs => _runs;

    public TimeSpan Delay { get; init; }

    public CompressionOutcome Run(CompressionRequest request, IProgress<string>? progress, CancellationToken cancellation)
    {
        Interlocked.Increment(ref _runs);
        Thread.Sleep(Delay);
        var onnx = Path.Combine(request.OutputDirectory, request.OutputName + ".onnx");
        var metadata = Path.Combine(request.OutputDirectory, request.OutputName + ".yolo.json");
        File.WriteAllBytes(onnx, new byte[outputBytes]);
        File.WriteAllText(metadata, $"{{\"schemaVersion\":1,\"profile\":\"{request.ProfileName}\",\"calibration\":{{\"count\":{request.CalibrationImages.Count}}}}}");
        var before = new ModelMetrics(4_000_000, 1_867_405, 4.5, 0.55, request.ValidationSet is null ? null : 0.356, 40);
        var after = new ModelMetrics(outputBytes, 1_800_000, 4.2, 0.54, request.ValidationSet is null ? null : mapAfter, latencyAfter);
        return new CompressionOutcome(onnx, metadata, before, after);
    }
}
