using System.CommandLine;
using System.Diagnostics;
using YoloCompress.Core.Graph;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;

namespace YoloCompress.Cli.Commands;

/// <summary><c>export MODEL.pt -o MODEL.onnx</c>: the float32 model, as the reference exporter writes it.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "An ultralytics .pt checkpoint." };
        var output = new Option<string>("--output", "-o") { Description = "The .onnx file to write.", Required = true };
        var size = new Option<string?>("--img")
        {
            Description = "Input size: 640 (square), 640x384 (width x height) or dynamic[:640] (symbolic height and width); default the checkpoint's (its training size, 1280 for P6/P7, else 640). Setting InputSize.",
        };
        var opset = new Option<int>("--opset")
        {
            Description = $"ONNX opset, {OpsetConversion.Minimum} (the reference exporter's default) to {OpsetConversion.Maximum}. Setting Opset.",
            DefaultValueFactory = _ => OpsetConversion.DefaultOpset,
        };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("export", "Write a float32 ONNX model (BatchNorm folded, boxes decoded in pixels).") { model, output, size, opset, json };
        command.SetAction(r => CliRun.Guard(() => Run(r.GetValue(model)!, r.GetValue(output)!, r.GetValue(size), r.GetValue(opset), r.GetValue(json))));
        return command;
    }

    private static int Run(string ptPath, string onnxPath, string? inputSize, int opset, bool asJson)
    {
        var clock = Stopwatch.StartNew();
        var setting = inputSize is null ? (InputSizeSetting?)null : InputSizeSetting.Parse(inputSize);
        if (setting is { Kind: InputSizeKind.Auto })
            throw new ArgumentException("export --img takes a size, not auto (auto is chosen by compress against a validation set).");
        var exported = OnnxExport.Write(ModelSource.Load(ptPath, setting).Folded(), onnxPath, opset);
        var seconds = clock.Elapsed.TotalSeconds;
        var output = exported.Graph.Output[0];
        var shape = string.Join(",", output.Type.TensorType.Shape.Dim.Select(d => d.DimParam is { Length: > 0 } p ? p : d.DimValue.ToString()));
        if (asJson)
            CliRun.WriteJson(new { output = onnxPath, bytes = new FileInfo(onnxPath).Length, outputShape = shape, opset, seconds = Math.Round(seconds, 3) });
        else
            Console.WriteLine($"wrote {onnxPath} ({new FileInfo(onnxPath).Length:N0} bytes, {output.Name} [{shape}]) in {seconds:F2} s");
        return 0;
    }
}
