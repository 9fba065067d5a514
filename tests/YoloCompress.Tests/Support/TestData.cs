namespace YoloCompress.Tests.Support;

/// <summary>Where the real models and images live: the small set shipped in samples/data (always
/// there), and the project's shared data beside the repository (../shared/data), which a fresh clone
/// may lack. Tests that need the shared data say so with <see cref="SharedDataFactAttribute"/> or
/// <see cref="SharedDataTheoryAttribute"/>.</summary>
public static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared/data, or YOLOCOMPRESS_SHARED_DATA when set.</summary>
    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("YOLOCOMPRESS_SHARED_DATA") is { Length: > 0 } env
            ? env
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    /// <summary>A checkpoint by file name: the shipped copy in samples/data/models when there is one
    /// (yolov5n.pt, byte-identical to the shared one), else the shared weights/ one.</summary>
    public static string Weights(string file) => ShippedOrShared(Path.Combine("models", file), Path.Combine("weights", file));

    public static string Yolov5n => Weights("yolov5n.pt");

    /// <summary>The 128 labelled coco images (shared data only).</summary>
    public static string Coco128 => Path.Combine(Shared, "coco128");

    /// <summary>The first 16 of coco128, images and labels, shipped (byte-identical to coco128's).</summary>
    public static string Coco16 => Samples("coco16");

    /// <summary>bus.jpg, zidane.jpg and the reference detections: shipped; anything else from the shared data.</summary>
    public static string Reference(string file) => ShippedOrShared(Path.Combine("reference", file), Path.Combine("reference", file));

    public static string Samples(string relative) => Path.Combine(RepoRoot, "samples", "data", relative);

    /// <summary>Every checkpoint of the shared data (the custom 1- and 2-class models and the C3x variant are not shipped).</summary>
    public static IEnumerable<string> AllCheckpoints() =>
        Directory.GetFiles(Path.Combine(Shared, "weights"), "*.pt").Order(StringComparer.Ordinal);

    /// <summary>A fresh empty folder under the system temp folder, removed by the caller.</summary>
    public static string NewTempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "yolocompress-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string ShippedOrShared(string shipped, string shared)
    {
        var path = Samples(shipped);
        return File.Exists(path) ? path : Path.Combine(Shared, shared);
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find YoloCompress.Build.sln above " + AppContext.BaseDirectory);
    }
}
