namespace YoloCompress.Tests.Support;

/// <summary>Where the real models and images live: the project's shared data beside the
/// repository (../shared/data), and the small set shipped in samples/data.</summary>
public static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>../shared/data, or YOLOCOMPRESS_SHARED_DATA when set.</summary>
    public static string Shared { get; } =
        Environment.GetEnvironmentVariable("YOLOCOMPRESS_SHARED_DATA") is { Length: > 0 } env
            ? env
            : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    public static string Weights(string file) => Path.Combine(Shared, "weights", file);

    public static string Yolov5n => Weights("yolov5n.pt");

    public static string Coco128 => Path.Combine(Shared, "coco128");

    public static string Reference(string file) => Path.Combine(Shared, "reference", file);

    public static string Samples(string relative) => Path.Combine(RepoRoot, "samples", "data", relative);

    public static IEnumerable<string> AllCheckpoints() =>
        Directory.GetFiles(Path.Combine(Shared, "weights"), "*.pt").Order(StringComparer.Ordinal);

    /// <summary>A fresh empty folder under the system temp folder, removed by the caller.</summary>
    public static string NewTempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "yolocompress-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find YoloCompress.Build.sln above " + AppContext.BaseDirectory);
    }
}
