using YoloCompress.Core.Calibration;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Consumers;

/// <summary>One model file of every kind the tool writes, from the real yolov5n, made once for all the
/// consumer tests: the float export, fp16, int8 QDQ, int8 weight-only and pruned (float, as `prune` writes it).</summary>
public sealed class ConsumerOutputs : IDisposable
{
    public static readonly string[] Kinds = ["float", "fp16", "int8", "int8-weight-only", "pruned"];

    private readonly string _folder = TestData.NewTempFolder();
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>The file of <paramref name="kind"/>, written on first use.</summary>
    public string Path(string kind)
    {
        lock (_lock)
        {
            if (_paths.TryGetValue(kind, out var existing)) return existing;
            var path = kind == "float" ? ExportFloat() : Compress(kind);
            _paths[kind] = path;
            return path;
        }
    }

    public string Folder => _folder;

    private string ExportFloat()
    {
        var path = System.IO.Path.Combine(_folder, "float.onnx");
        OnnxExport.Export(TestData.Yolov5n, path);
        return path;
    }

    private string Compress(string kind)
    {
        var assignments = kind == "pruned"
            ? new[] { "Quantization=none", FormattableString.Invariant($"PruneRatio={BuiltInProfiles.PrunedInt8Ratio}") }
            : ["Quantization=" + kind];
        var origin = Core.Diagnostics.DiagnosticOrigin.CommandLine("test");
        var settings = ProfileResolver.Resolve(null, null, assignments.Append("CalibrationCount=8")
            .Select(a => ProfileResolver.ParseAssignment(a, origin)).ToArray()).Settings;
        var request = new CompressionRequest(TestData.Yolov5n, CalibrationImages.Select(TestData.Samples("coco16/images"), 8),
            ValidationSet: null, settings, kind, System.IO.Path.Combine(_folder, kind), "yolov5n");
        return CompressionPipeline.Run(request).OnnxPath;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}

[CollectionDefinition(Name)]
public sealed class ConsumerCollection : ICollectionFixture<ConsumerOutputs>
{
    public const string Name = "consumer outputs";
}
