using System.CommandLine;
using YoloCompress.Runtime;

namespace YoloCompress.Cli.Commands;

/// <summary><c>detect MODEL IMAGE -o OUT.png</c>: run a model on one image and draw what it finds.</summary>
internal static class DetectCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An .onnx model or a .pt checkpoint." };
        var image = new Argument<string>("IMAGE") { Description = "A JPEG or PNG image." };
        var output = new Option<string?>("--output", "-o") { Description = "PNG to write with the detections drawn." };
        var conf = new Option<float>("--conf") { Description = "Confidence threshold.", DefaultValueFactory = _ => 0.25f };
        var iou = new Option<float>("--iou") { Description = "NMS IoU threshold.", DefaultValueFactory = _ => 0.45f };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("detect", "Detect objects in an image.") { model, image, output, conf, iou, json };
        command.SetAction(r => CliRun.Guard(() => Run(r.GetValue(model)!, r.GetValue(image)!, r.GetValue(output), r.GetValue(conf), r.GetValue(iou), r.GetValue(json))));
        return command;
    }

    private static int Run(string modelPath, string imagePath, string? outputPath, float confidence, float iou, bool asJson)
    {
        var image = RgbImage.Load(imagePath);
        using var detector = new YoloDetector(ModelInput.OnnxBytes(modelPath));
        var detections = detector.Detect(image, new DetectionOptions { Confidence = confidence, Iou = iou });
        if (outputPath is not null) DetectionRenderer.WritePng(image, detections, outputPath);
        if (asJson)
        {
            CliRun.WriteJson(new
            {
                image = imagePath,
                detections = detections.Select(d => new { cls = d.ClassId, name = d.Name, conf = d.Confidence, xyxy = new[] { d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2 } }),
            });
            return 0;
        }
        foreach (var d in detections) Console.WriteLine(d);
        Console.WriteLine($"{detections.Count} detections{(outputPath is null ? "" : $", drawn to {outputPath}")}");
        return 0;
    }
}
