namespace YoloCompress.Core.Checkpoints;

/// <summary>A checkpoint file that cannot be read: not a PyTorch archive, damaged, or not a YOLOv5 model.
/// The message names the file and what is wrong with it.</summary>
public sealed class CheckpointFormatException : Exception
{
    public CheckpointFormatException(string path, string problem, Exception? inner = null)
        : base($"Checkpoint '{path}': {problem}", inner)
    {
        FilePath = path;
    }

    /// <summary>The checkpoint file at fault.</summary>
    public string FilePath { get; }
}
