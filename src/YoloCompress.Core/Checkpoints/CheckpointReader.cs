namespace YoloCompress.Core.Checkpoints;

/// <summary>Reads ultralytics YOLOv5 <c>.pt</c> checkpoints (PyTorch zip archives) without Python. Loading runs
/// nothing from the file: the pickle is interpreted by <see cref="PickleMachine"/>, which keeps every class it
/// names as inert data. Every failure is a <see cref="CheckpointFormatException"/> (YC0050 or YC0051).</summary>
public static class CheckpointReader
{
    /// <summary>Reads the checkpoint at <paramref name="path"/>. Takes <c>ema</c> when present and not None,
    /// else <c>model</c>. Throws <see cref="CheckpointFormatException"/> naming the file and the problem.</summary>
    public static YoloCheckpoint Read(string path)
    {
        using var archive = StorageArchive.Open(path);
        object? root;
        try
        {
            var pickle = archive.ReadPickle();
            root = PickleMachine.Load(pickle, pid => StorageRef.FromPersistentId(archive, pid));
        }
        catch (PickleFormatException e)
        {
            throw new CheckpointFormatException(path,
                $"'{archive.PickleEntryName}' cannot be unpickled (damaged, truncated, or not a checkpoint pickle): {e.Message}", e);
        }

        var (key, model) = CheckpointModelLocator.Locate(path, root);
        try
        {
            return new CheckpointConverter(archive).Convert(key, model) with { TrainingImageSize = TrainingImageSize(root) };
        }
        catch (Exception e) when (e is InvalidDataException or PickleFormatException)
        {
            throw new CheckpointFormatException(path, e.Message, e);
        }
    }

    /// <summary>train.py saves <c>vars(opt)</c> (or the argparse Namespace) as 'opt': 'imgsz' since v6.0, 'img_size'
    /// [train, test] before.</summary>
    private static int? TrainingImageSize(object? root)
    {
        if (root is not PickleDict dict) return null;
        var opt = dict.GetValueOrDefault("opt") switch
        {
            PickleDict d => d,
            PickleObject o => o.Attributes,
            _ => null,
        };
        if (opt is null) return null;
        object? value = opt.GetValueOrDefault("imgsz") ?? opt.GetValueOrDefault("img_size");
        if (value is IList<object?> { Count: > 0 } list) value = list[0];
        return value is long l and > 0 and < 100_000 ? (int)l : null;
    }
}
