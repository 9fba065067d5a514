using System.CommandLine;
using YoloCompress.Cli.Commands;

var root = new RootCommand("dotnet yolo-compress: prune and quantize YOLOv5 models for ONNX Runtime, without Python.");
foreach (var command in CommandCatalog.All()) root.Add(command);
// Commands that clean up after themselves on Ctrl+C or SIGTERM (compress, prune) handle the signals
// themselves (SignalCancellation); System.CommandLine's own handler would end the process after a timeout.
return root.Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
