namespace YoloCompress.Cli.Commands;

/// <summary>Everything `compress` was asked to do, as parsed from its command line.</summary>
internal sealed record CompressOptions
{
    public required string Model { get; init; }

    /// <summary>--calib DIR: every image under the folder is a candidate.</summary>
    public string? CalibrationDirectory { get; init; }

    /// <summary>--calib-list FILE: one image path a line, relative to the list's folder.</summary>
    public string? CalibrationList { get; init; }

    /// <summary>--data DIR: a labelled set (images/ + labels/) for mAP before and after.</summary>
    public string? ValidationSet { get; init; }

    public string? Profile { get; init; }

    /// <summary>--config FILE: the yolocompress.json; default ./yolocompress.json when present.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>--set Name=Value, in the order given (later wins).</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];

    public required string OutputDirectory { get; init; }

    /// <summary>--name: base name of the outputs; default the model's file name without extension.</summary>
    public string? Name { get; init; }

    /// <summary>--cache DIR: reuse and store finished compressions there.</summary>
    public string? CacheDirectory { get; init; }

    public bool Json { get; init; }

    public bool MsBuild { get; init; }

    /// <summary>--onnxruntime-version: the Microsoft.ML.OnnxRuntime the consuming app uses, checked against what the profile emits.</summary>
    public string? OnnxRuntimeVersion { get; init; }

    /// <summary>--origin FILE: the file --set values are attributed to in messages (the build passes the project file).</summary>
    public string? Origin { get; init; }
}
