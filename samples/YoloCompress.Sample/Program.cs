using YoloCompress.Runtime;

// Detects objects with the model that `dotnet build` compressed and embedded, and draws them.
//   dotnet run -- [IMAGE] [OUTPUT.png]
var image = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "../../../../data/reference/bus.jpg");
var output = args.Length > 1 ? args[1] : Path.Combine(AppContext.BaseDirectory, "detections.png");

var assembly = typeof(Program).Assembly;
using var detector = new YoloDetector(EmbeddedModel.OpenModel(assembly, "yolov5n"));
using (var metadata = new StreamReader(EmbeddedModel.OpenMetadata(assembly, "yolov5n")))
    Console.WriteLine($"model yolov5n: {detector.ClassCount} classes, {detector.InputWidth}x{detector.InputHeight}, metadata {metadata.ReadToEnd().Length} chars");

var picture = RgbImage.Load(image);
var detections = detector.Detect(picture);
foreach (var detection in detections)
    Console.WriteLine(detection);
DetectionRenderer.WritePng(picture, detections, output);
Console.WriteLine($"{detections.Count} detections drawn on {Path.GetFullPath(output)}");
