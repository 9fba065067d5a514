namespace YoloCompress.Tests.Support;

/// <summary>A fresh empty folder under the system temp folder (<see cref="TestData.NewTempFolder"/>),
/// removed with everything in it when disposed: <c>using var temp = new TempFolder();</c>.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = TestData.NewTempFolder();

    public void Dispose()
    {
        if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
    }
}
