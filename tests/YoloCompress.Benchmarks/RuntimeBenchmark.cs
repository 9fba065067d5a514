using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>What pre- and post-processing cost an app: frames per second of the whole runtime path (letterbox a BGR
/// frame, run, decode, NMS) against ONNX Runtime's bare Run on the same model and the same frames, float and int8,
/// at 1 and 2 intra-op threads and with 2 callers on one detector. docs/results/runtime.md records a run.
///   dotnet run -c Release --project tests/YoloCompress.Benchmarks -- runtime [--seconds 3] [--frames DIR]...
///     [--checkpoint yolov5n.pt]... [--size 640]</summary>
internal static class RuntimeBenchmark
{
    public static int Run(string[] args)
    {
        string root = FindRepoRoot();
        double seconds = double.Parse(Arg(args, "--seconds") ?? "3", CultureInfo.InvariantCulture);
        int size = int.Parse(Arg(args, "--size") ?? "640", CultureInfo.InvariantCulture);
        // Two frame sets: coco16 (mostly 640 wide: at the model's size, no resize) and camera-sized frames that the
        // letterbox must resize (bus.jpg 810x1080, zidane.jpg 1280x720). --frames DIR replaces both.
        var frameDirs = Args(args, "--frames") is { Count: > 0 } dirs ? dirs
            : [Path.Combine(root, "samples", "data", "coco16", "images"), Path.Combine(root, "samples", "data", "reference")];
        var checkpoints = Args(args, "--checkpoint") is { Count: > 0 } given ? given : [Path.Combine(root, "samples", "data", "models", "yolov5n.pt")];
        var duration = TimeSpan.FromSeconds(seconds);

        var sets = frameDirs.Select(dir =>
        {
            var files = CalibrationImages.ImagesIn(dir).Order(StringComparer.Ordinal).ToArray();
            var frames = files.Select(f => ToBgrFrame(RgbImage.Load(f))).ToArray();
            string sizes = string.Join(", ", frames.Select(f => $"{f.Layout.Width}x{f.Layout.Height}").Distinct().Take(4));
            return (Name: Path.GetFileName(dir.TrimEnd('/')) == "images" ? Path.GetFileName(Path.GetDirectoryName(dir.TrimEnd('/'))!) : Path.GetFileName(dir.TrimEnd('/')),
                Files: files, Frames: frames, Sizes: sizes);
        }).ToArray();
        Console.WriteLine(Environment());
        foreach (var set in sets)
            Console.WriteLine($"frames {set.Name}: {set.Frames.Length} images as packed BGR24 frames ({set.Sizes}{(set.Frames.Length > 4 ? ", ..." : "")})");
        Console.WriteLine($"{seconds:0.#} s a measurement; int8 calibrated on the {sets[0].Name} frames");
        Console.WriteLine();

        var header = new[] { "model", "precision", "frames", "threads", "bare Run fps", "whole path fps", "pre+post cost", "bare ms", "whole ms", "letterbox ms", "NMS ms", "(letterbox + NMS) / bare" };
        var rows = new List<string[]>();
        foreach (var checkpoint in checkpoints)
        {
            string name = Path.GetFileNameWithoutExtension(checkpoint);
            var folded = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(checkpoint), size));
            var models = new[] { ("float", folded.ToByteArray()), ("int8", Int8(folded, sets[0].Files, size)) };
            foreach (var (precision, model) in models)
            {
                foreach (var (set, index) in sets.Select((set, index) => (set, index)))
                {
                    foreach (int threads in new[] { 1, 2 })
                        rows.Add(Row(name, precision, set.Name, $"{threads}", RuntimeThroughput.SingleStream(model, set.Frames, threads, duration)));
                    if (index == 0)
                        rows.Add(Row(name, precision, set.Name, "2 callers x 1", RuntimeThroughput.Concurrent(model, set.Frames, 2, duration)));
                }
                Console.Error.WriteLine($"  measured {name} {precision}");
            }
        }
        Print(header, rows);
        Console.WriteLine();
        Console.WriteLine("pre+post cost: how much longer a frame takes on the whole path than in the bare Run (bare fps / whole fps - 1). "
            + "Single stream: medians of alternating frames; 2 callers: frames per second over both threads, bare then whole. "
            + "(letterbox + NMS) / bare: the two stages timed on their own against the bare run's median, which load from other "
            + "processes disturbs less than a difference of two fps figures.");
        return 0;
    }

    private static string[] Row(string model, string precision, string frames, string threads, RuntimeThroughput.Result r) =>
    [
        model, precision, frames, threads, F(r.BareFps, "0.0"), F(r.FullFps, "0.0"), F(r.OverheadPercent, "0.0") + " %",
        F(r.BareMs, "0.0"), F(r.FullMs, "0.0"), double.IsNaN(r.LetterboxMs) ? "-" : F(r.LetterboxMs, "0.00"), double.IsNaN(r.NmsMs) ? "-" : F(r.NmsMs, "0.00"),
        double.IsNaN(r.NmsMs) ? "-" : F(100 * (r.LetterboxMs + r.NmsMs) / r.BareMs, "0.0") + " %",
    ];

    /// <summary>int8 as the <c>int8</c> profile makes it, calibrated on the benchmark's frames.</summary>
    private static byte[] Int8(Onnx.ModelProto model, IReadOnlyList<string> files, int size)
    {
        var origin = DiagnosticOrigin.CommandLine("benchmark");
        var settings = ProfileResolver.Resolve("int8", null, [ProfileResolver.ParseAssignment($"CalibrationCount={files.Count}", origin)]).Settings;
        var images = CalibrationImages.Letterboxed(files, size);
        return ModelQuantizer.Quantize(model, settings.Quantization, settings.Calibration, images).Model.ToByteArray();
    }

    /// <summary>An image as a camera hands a frame over: BGR, packed rows.</summary>
    private static Frame ToBgrFrame(RgbImage image)
    {
        var bgr = new byte[image.Pixels.Length];
        for (int i = 0; i < bgr.Length; i += 3)
            (bgr[i], bgr[i + 1], bgr[i + 2]) = (image.Pixels[i + 2], image.Pixels[i + 1], image.Pixels[i]);
        return new Frame(bgr, new FrameLayout(image.Width, image.Height, PixelFormat.Bgr24));
    }

    private static string Environment()
    {
        string cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?"
            : RuntimeInformation.ProcessArchitecture.ToString();
        var ort = typeof(InferenceSession).Assembly.GetName().Version;
        return $"machine: {cpu}, {System.Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}; "
            + $".NET {System.Environment.Version}, ONNX Runtime {ort} (CPU), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC";
    }

    private static void Print(string[] header, List<string[]> rows)
    {
        Console.WriteLine("| " + string.Join(" | ", header) + " |");
        Console.WriteLine("|" + string.Concat(header.Select((_, i) => i < 4 ? "---|" : "---:|")));
        foreach (var row in rows)
            Console.WriteLine("| " + string.Join(" | ", row) + " |");
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string? Arg(string[] args, string name) => Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;

    private static List<string> Args(string[] args, string name) =>
        args.Select((a, i) => (a, i)).Where(p => p.a == name && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find YoloCompress.Build.sln above " + AppContext.BaseDirectory);
    }
}
