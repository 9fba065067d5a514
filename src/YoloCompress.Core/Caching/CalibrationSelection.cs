namespace YoloCompress.Core.Caching;

/// <summary>Chooses calibration images deterministically: sorted by path (ordinal), then at most
/// <c>count</c> evenly spaced through the sorted list, so a large folder is sampled across its
/// whole range and the same folder always gives the same images (and cache key).</summary>
public static class CalibrationSelection
{
    public static readonly IReadOnlyList<string> ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    public static bool IsImage(string path) =>
        ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Every image under <paramref name="directory"/>, subfolders included.</summary>
    public static IEnumerable<string> ImagesIn(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Where(IsImage);

    public static IReadOnlyList<string> Choose(IEnumerable<string> images, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var sorted = images.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (sorted.Length <= count)
            return sorted;
        var chosen = new string[count];
        for (var i = 0; i < count; i++)
            chosen[i] = sorted[(int)((long)i * sorted.Length / count)];
        return chosen;
    }
}
