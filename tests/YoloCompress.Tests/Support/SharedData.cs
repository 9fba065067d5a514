namespace YoloCompress.Tests.Support;

/// <summary>Decides what a test that needs the shared data (../shared/data) does when that data is
/// missing: skip with the reason on a fresh clone, or fail with the reason where
/// YOLOCOMPRESS_REQUIRE_SHARED_DATA=1 (CI sets it, so that no such test is ever silently skipped).</summary>
public static class SharedData
{
    public const string RequireVariable = "YOLOCOMPRESS_REQUIRE_SHARED_DATA";

    public static bool Required => Environment.GetEnvironmentVariable(RequireVariable) is "1" or "true";

    /// <summary>What a test needing <paramref name="needs"/> does: both null when they exist; else the
    /// skip reason, or, when the data is <see cref="Required"/>, the failure message.</summary>
    public static (string? Skip, string? Failure) SkipOrFail(IReadOnlyCollection<string> needs) =>
        Missing(needs) is not { } missing ? (null, null) : Required ? (null, missing) : (missing, null);

    /// <summary>Null when every path (relative to the shared data folder, a file or a folder) exists;
    /// otherwise the message naming what is missing and how to provide it.</summary>
    public static string? Missing(IReadOnlyCollection<string> needs) => Missing(TestData.Shared, needs);

    /// <summary><see cref="Missing(IReadOnlyCollection{string})"/> for a shared data folder at <paramref name="root"/>.</summary>
    public static string? Missing(string root, IReadOnlyCollection<string> needs)
    {
        var missing = needs.Count == 0
            ? Directory.Exists(root) ? [] : ["the folder"]
            : needs.Where(n => !File.Exists(Path.Combine(root, n)) && !Directory.Exists(Path.Combine(root, n))).ToArray();
        if (missing.Length == 0) return null;
        return $"needs ../shared/data ({string.Join(", ", missing)}); set YOLOCOMPRESS_SHARED_DATA or clone beside shared/ (looked in {root})";
    }
}
