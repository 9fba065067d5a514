using System.Diagnostics;
using SkiaSharp;
using YoloCompress.Runtime;

// Reads a folder of frames, detects objects in each, writes each frame annotated, prints frames per second.
//   dotnet run -c Release --project samples/YoloCompress.FrameLoop -- [FRAMES] [OUT] [--model M.onnx]
//       [--provider Cpu|Cuda|TensorRT|DirectML|OpenVino|CoreML] [--threads N] [--workers N]
// --workers N runs N frames at once on one detector (Detect is thread-safe); --threads is ONNX Runtime's intra-op threads.
var positional = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !args[i - 1].StartsWith("--", StringComparison.Ordinal))).ToArray();
string samples = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../data"));
string framesDir = positional.ElementAtOrDefault(0) ?? Path.Combine(samples, "coco16", "images");
string outDir = positional.ElementAtOrDefault(1) ?? Path.Combine(AppContext.BaseDirectory, "annotated");
string model = Option("--model") ?? Path.Combine(samples, "reference", "yolov5n-export-opset12.onnx");
int workers = int.Parse(Option("--workers") ?? "1");
var options = new YoloDetectorOptions
{
    Provider = Enum.Parse<ExecutionProvider>(Option("--provider") ?? "Cpu", ignoreCase: true),
    IntraOpThreads = int.Parse(Option("--threads") ?? "0"),
};

YoloDetector detector;
try
{
    detector = new YoloDetector(model, options);
}
catch (ExecutionProviderUnavailableException e)
{
    Console.Error.WriteLine(e.Message); // names the provider and the package to add
    return 1;
}
using var _ = detector;
var frames = Directory.GetFiles(framesDir).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
    .Order(StringComparer.Ordinal).ToArray();
Directory.CreateDirectory(outDir);
Console.WriteLine($"{Path.GetFileName(model)} on {options.Provider}: {detector.InputWidth}x{detector.InputHeight}, {detector.ClassCount} classes; "
    + $"{frames.Length} frames from {framesDir}, {workers} worker{(workers == 1 ? "" : "s")}");

long detectTicks = 0, done = 0;
var wall = Stopwatch.StartNew();
Parallel.ForEach(frames, new ParallelOptions { MaxDegreeOfParallelism = workers }, path =>
{
    // A video decoder or camera hands over a BGRA/BGR buffer; decoding a file into a bitmap stands in for it here
    // (SKBitmap.Decode ignores EXIF orientation; for photos, detector.DetectEncoded(bytes) applies it).
    using var frame = SKBitmap.Decode(path) ?? throw new InvalidDataException($"'{path}' is not an image.");
    long start = Stopwatch.GetTimestamp();
    var detections = detector.Detect(frame); // letterbox straight from the bitmap's pixels, run, NMS
    Interlocked.Add(ref detectTicks, Stopwatch.GetTimestamp() - start);

    DetectionRenderer.Draw(frame, detections);
    using (var png = frame.Encode(SKEncodedImageFormat.Png, 100))
        File.WriteAllBytes(Path.Combine(outDir, Path.GetFileNameWithoutExtension(path) + ".png"), png.ToArray());
    long n = Interlocked.Increment(ref done);
    Console.WriteLine($"{n,4}/{frames.Length} {Path.GetFileName(path)}: {detections.Count} object{(detections.Count == 1 ? "" : "s")}"
        + (detections.Count > 0 ? $" ({string.Join(", ", detections.GroupBy(d => d.Name).Select(g => $"{g.Count()} {g.Key}"))})" : "")
        + $"  {n / wall.Elapsed.TotalSeconds:0.0} fps");
});
double detectSeconds = (double)detectTicks / Stopwatch.Frequency;
Console.WriteLine($"{done} frames in {wall.Elapsed.TotalSeconds:0.00} s: {done / wall.Elapsed.TotalSeconds:0.0} fps end to end (decode, detect, draw, write), "
    + $"detect alone {detectSeconds / done * 1000:0.0} ms a frame ({done / detectSeconds * workers:0.0} fps over {workers} worker{(workers == 1 ? "" : "s")}); "
    + $"annotated frames in {Path.GetFullPath(outDir)}");
return 0;

string? Option(string name) => Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;
