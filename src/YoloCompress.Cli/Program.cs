using System.CommandLine;
using YoloCompress.Cli.Commands;

var root = new RootCommand("dotnet yolo-compress: prune and quantize YOLOv5 models for ONNX Runtime, without Python.");
foreach (var command in CommandCatalog.All()) root.Add(command);
return root.Parse(args).Invoke();
