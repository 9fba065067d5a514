using YoloCompress.Runtime;

namespace YoloCompress.Core.Calibration;

/// <summary>Chooses calibration images from a folder and letterboxes them exactly as at inference.</summary>
public static class CalibrationImages
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png" };

    /// <summary>At most <paramref name="maxCount"/> JPEG/PNG files under <paramref name="folder"/>
    /// (recursive), sorted ordinally by path relative to the folder ('/' separated), evenly spaced
    /// over that order: the i-th of N chosen from n files is file floor(i * n / N). Deterministic on
    /// every machine and file system.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist (the message names it).</exception>
    /// <exception cref="InvalidDataException">The folder holds no JPEG or PNG (the message names it).</exception>
    public static IReadOnlyList<string> Select(string folder, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (maxCount < 1)
            throw new ArgumentException($"Setting 'CalibrationCount': {maxCount} must be at least 1.");
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Calibration image folder '{folder}' does not exist.");
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f)))
            .Select(f => (Full: f, Relative: Path.GetRelativePath(root, f).Replace('\\', '/')))
            .OrderBy(f => f.Relative, StringComparer.Ordinal)
            .Select(f => f.Full)
            .ToArray();
        if (files.Length == 0)
            throw new InvalidDataException($"Calibration image folder '{folder}' contains no JPEG or PNG images.");
        if (files.Length <= maxCount) return files;
        var chosen = new string[maxCount];
        for (int i = 0; i < maxCount; i++) chosen[i] = files[(int)((long)i * files.Length / maxCount)];
        return chosen;
    }

    /// <summary>The first <paramref name="count"/> images of <paramref name="folder"/> (top level, sorted
    /// ordinally by name): a fixed split such as "images 0-63" for benchmarks and tests.</summary>
    public static IReadOnlyList<string> First(string folder, int count)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Calibration image folder '{folder}' does not exist.");
        var files = Directory.GetFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f)))
            .Order(StringComparer.Ordinal).Take(count).ToArray();
        if (files.Length == 0) throw new InvalidDataException($"Calibration image folder '{folder}' contains no JPEG or PNG images.");
        return files;
    }

    /// <summary>The images letterboxed to <paramref name="inputSize"/> square (float CHW, RGB, 0..1), decoded
    /// lazily one at a time on each enumeration, so memory holds one image whatever the count.</summary>
    /// <exception cref="InvalidDataException">An image cannot be read (the message names the file), on enumeration.</exception>
    public static IEnumerable<float[]> Letterboxed(IReadOnlyList<string> files, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        return Enumerate(files, inputSize);
    }

    private static IEnumerable<float[]> Enumerate(IReadOnlyList<string> files, int inputSize)
    {
        foreach (var file in files)
        {
            RgbImage image;
            try
            {
                image = RgbImage.Load(file);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                throw new InvalidDataException($"Calibration image '{file}' cannot be read: {e.Message}", e);
            }
            yield return Letterbox.Apply(image, inputSize, inputSize).Tensor;
        }
    }
}
