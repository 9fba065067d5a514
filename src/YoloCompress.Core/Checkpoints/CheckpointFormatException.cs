using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Checkpoints;

/// <summary>A checkpoint file that cannot be read (damaged, not a PyTorch archive: YC0050) or is not a YOLOv5
/// training checkpoint (a state_dict, another network, an ultralytics YOLOv8+ model: YC0051). The message is
/// one line naming the file and what is wrong with it; the code comes with it wherever it is reported.</summary>
public sealed class CheckpointFormatException : YoloCompressException
{
    public static readonly DiagnosticDescriptor Unreadable = DiagnosticCatalog.CheckpointUnreadable;
    public static readonly DiagnosticDescriptor NotYolov5 = DiagnosticCatalog.CheckpointNotYolov5;

    public CheckpointFormatException(string path, string problem, Exception? inner = null, DiagnosticDescriptor? kind = null)
        : base(kind ?? Unreadable, $"Checkpoint '{path}': {OneLine(problem)}", new DiagnosticOrigin(path, "checkpoint"), inner)
    {
        FilePath = path;
    }

    /// <summary>The checkpoint file at fault.</summary>
    public string FilePath { get; }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
