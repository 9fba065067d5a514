namespace YoloCompress.Build.Tests;

/// <summary>Packs YoloCompress.Build once per test run, with a version of its own
/// (0.1.0-test.TIMESTAMP), into a temporary feed. A fresh version keeps NuGet from handing the
/// tests a package extracted by an earlier run; the extracted copy is deleted at the end.</summary>
public sealed class PackedFeed : IDisposable
{
    public PackedFeed()
    {
        RepoRoot = FindRepoRoot();
        Root = Path.Combine(Path.GetTempPath(), "yolocompress-build-tests", DateTime.UtcNow.ToString("yyyyMMddHHmmssfff"));
        Feed = Path.Combine(Root, "feed");
        SharedCache = Path.Combine(Root, "cache");
        Directory.CreateDirectory(Feed);
        Version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");

        var pack = ProcessRunner.Dotnet(RepoRoot, null,
            "pack", Path.Combine(RepoRoot, "src", "YoloCompress.Build.Tasks", "YoloCompress.Build.Tasks.csproj"),
            "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-nodeReuse:false", "--disable-build-servers",
            // Built apart from the repository's bin/ and obj/, so a test run never rewrites what
            // other test assemblies or a developer's build use.
            "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={Path.Combine(Root, "build")}");
        if (pack.ExitCode != 0 || !File.Exists(Path.Combine(Feed, $"YoloCompress.Build.{Version}.nupkg")))
            throw new InvalidOperationException("Packing YoloCompress.Build failed: " + pack);
    }

    private readonly object _runtimeLock = new();
    private bool _runtimePacked;

    /// <summary>Packs YoloCompress.Runtime into the feed too, with the same version, for the tests whose app
    /// references it (packed on first use: most tests need only YoloCompress.Build).</summary>
    public void PackRuntime()
    {
        lock (_runtimeLock)
        {
            if (_runtimePacked)
                return;
            var pack = ProcessRunner.Dotnet(RepoRoot, null,
                "pack", Path.Combine(RepoRoot, "src", "YoloCompress.Runtime", "YoloCompress.Runtime.csproj"),
                "-c", "Release", "-o", Feed, $"-p:Version={Version}", "-nodeReuse:false", "--disable-build-servers",
                "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={Path.Combine(Root, "build")}");
            if (pack.ExitCode != 0 || !File.Exists(Path.Combine(Feed, $"YoloCompress.Runtime.{Version}.nupkg")))
                throw new InvalidOperationException("Packing YoloCompress.Runtime failed: " + pack);
            _runtimePacked = true;
        }
    }

    public string RepoRoot { get; }

    /// <summary>Temporary folder for this run: the feed, the projects, caches.</summary>
    public string Root { get; }

    public string Feed { get; }

    public string Version { get; }

    /// <summary>A compression cache shared by tests that do not look at whether they compressed.</summary>
    public string SharedCache { get; }

    public string Samples(string relative) => Path.Combine(RepoRoot, "samples", "data", relative);

    public void Dispose()
    {
        TryDelete(Root);
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        TryDelete(Path.Combine(packages, "yolocompress.build", Version));
        TryDelete(Path.Combine(packages, "yolocompress.runtime", Version));
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "YoloCompress.Build.sln")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find YoloCompress.Build.sln above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}
