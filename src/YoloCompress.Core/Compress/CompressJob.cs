namespace YoloCompress.Core.Compress;

/// <summary>One `compress` as its caller (the command line, the build) asked for it, before any check: paths
/// as given, the profile by name, settings as "Name=Value" text. <see cref="Compressor"/> checks and runs it.</summary>
public sealed record CompressJob
{
    /// <summary>An ultralytics .pt checkpoint or an .onnx model from the reference exporter.</summary>
    public required string Model { get; init; }

    /// <summary>Folder for NAME.onnx and NAME.yolo.json.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Every image under the folder is a calibration candidate.</summary>
    public string? CalibrationDirectory { get; init; }

    /// <summary>A text file with one image path a line, relative to the file's folder.</summary>
    public string? CalibrationList { get; init; }

    /// <summary>A labelled set (images/ + labels/) for mAP before and after.</summary>
    public string? ValidationSet { get; init; }

    public string? Profile { get; init; }

    /// <summary>The yolocompress.json; default ./yolocompress.json when present.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>"Name=Value" overrides, in the order given (later wins).</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    /// <summary>Base name of the outputs; default the model's file name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>Reuse and store finished compressions in this folder.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The Microsoft.ML.OnnxRuntime the consuming app uses, checked against what the profile emits.</summary>
    public string? OnnxRuntimeVersion { get; init; }

    /// <summary>The file settings are attributed to in messages (the build passes the project file).</summary>
    public string? Origin { get; init; }
}
