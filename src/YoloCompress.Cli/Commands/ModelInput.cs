using Google.Protobuf;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;

namespace YoloCompress.Cli.Commands;

/// <summary>Commands that run a model accept a .pt too: it is exported in memory first.</summary>
internal static class ModelInput
{
    public static byte[] OnnxBytes(string path, int? inputSize = null) =>
        path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)
            ? (File.Exists(path) ? File.ReadAllBytes(path) : throw new FileNotFoundException($"Model '{path}' does not exist.", path))
            : ModelSource.Load(path, inputSize is { } size ? InputSizeSetting.Square(size) : null).Folded().ToByteArray();
}
