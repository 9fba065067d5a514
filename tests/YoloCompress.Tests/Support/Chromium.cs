using System.Diagnostics;
using Xunit.Sdk;

namespace YoloCompress.Tests.Support;

/// <summary>Headless Chromium (Debian's <c>chromium</c>), to see a page as a person would. A developer machine
/// without it skips the tests that need it; CI (<see cref="SharedData.RequireVariable"/>) fails them instead, and
/// .ci/run installs it.</summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static string? Missing => File.Exists(Path) ? null : $"needs headless Chromium at {Path} (apt-get install chromium; .ci/run installs it)";

    /// <summary>A screenshot of <paramref name="page"/> at <paramref name="width"/>x<paramref name="height"/> into
    /// <paramref name="png"/>, with a fresh profile and nothing fetched from the network.</summary>
    public static void Screenshot(string page, string png, int width, int height)
    {
        var profile = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "yolocompress-chromium-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--hide-scrollbars", $"--user-data-dir={profile}", $"--screenshot={png}",
                     $"--window-size={width},{height}", new Uri(page).AbsoluteUri })
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new XunitException($"chromium did not finish a screenshot of {page} in 2 minutes");
            }
            if (!File.Exists(png))
                throw new XunitException($"chromium exited {process.ExitCode} without writing {png}: {stderr.Result}");
        }
        finally
        {
            if (Directory.Exists(profile)) Directory.Delete(profile, recursive: true);
        }
    }
}

/// <summary>A fact that needs <see cref="Chromium"/>: skipped with the reason without it, failed with it where
/// YOLOCOMPRESS_REQUIRE_SHARED_DATA=1 (the same discoverer as <see cref="SharedDataFactAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("YoloCompress.Tests.Support.SharedDataFactDiscoverer", "YoloCompress.Tests")]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Missing is not { } missing) return;
        if (SharedData.Required) MissingData = missing;
        else Skip = missing;
    }

    /// <summary>Set when Chromium is missing and required; see <see cref="SharedDataFactAttribute.MissingData"/>.</summary>
    public string? MissingData { get; }
}
