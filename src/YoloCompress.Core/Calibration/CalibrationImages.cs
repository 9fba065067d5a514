using YoloCompress.Core.Evaluation;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Calibration;

/// <summary>Chooses calibration images from a folder and letterboxes them exactly as at inference.</summary>
public static class CalibrationImages
{
    /// <summary>True for the image files calibration reads (the extensions of <see cref="YoloDataset.ImageExtensions"/>).</summary>
    public static bool IsImage(string path) =>
        YoloDataset.ImageExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>Every image under <paramref name="directory"/>, subfolders included, in no particular order.</summary>
    public static IEnumerable<string> ImagesIn(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Where(IsImage);

    /// <summary>At most <paramref name="count"/> of <paramref name="images"/>, deterministically: full paths
    /// sorted ordinally ('/' as the separator on every OS), then evenly spaced over that order (the i-th of N
    /// chosen from n is number floor(i * n / N)), so a large folder is sampled across its whole range and the
    /// same files always give the same choice (and cache key).</summary>
    public static IReadOnlyList<string> Choose(IEnumerable<string> images, int count)
    {
        if (count < 1)
            throw new ArgumentException($"Setting 'CalibrationCount': {count} must be at least 1.");
        var sorted = images.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal)
            .OrderBy(p => p.Replace('\\', '/'), StringComparer.Ordinal).ToArray();
        if (sorted.Length <= count)
            return sorted;
        var chosen = new string[count];
        for (var i = 0; i < count; i++)
            chosen[i] = sorted[(int)((long)i * sorted.Length / count)];
        return chosen;
    }

    /// <summary>At most <paramref name="maxCount"/> images under <paramref name="folder"/> (recursive), chosen
    /// by <see cref="Choose"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist (the message names it).</exception>
    /// <exception cref="InvalidDataException">The folder holds no image (the message names it).</exception>
    public static IReadOnlyList<string> Select(string folder, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Calibration image folder '{folder}' does not exist.");
        var chosen = Choose(ImagesIn(root), maxCount);
        if (chosen.Count == 0)
            throw new InvalidDataException($"Calibration image folder '{folder}' contains no images ({string.Join(", ", YoloDataset.ImageExtensions)}).");
        return chosen;
    }

    /// <summary>The first <paramref name="count"/> images of <paramref name="folder"/> (top level, sorted
    /// ordinally by name): a fixed split such as "images 0-63" for benchmarks and tests.</summary>
    public static IReadOnlyList<string> First(string folder, int count)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Calibration image folder '{folder}' does not exist.");
        var files = Directory.GetFiles(folder).Where(IsImage).Order(StringComparer.Ordinal).Take(count).ToArray();
        if (files.Length == 0) throw new InvalidDataException($"Calibration image folder '{folder}' contains no images.");
        return files;
    }

    /// <summary>The images letterboxed to <paramref name="inputSize"/> square (float CHW, RGB, 0..1), decoded
    /// lazily one at a time on each enumeration, so memory holds one image whatever the count.</summary>
    /// <exception cref="InvalidDataException">An image cannot be read (the message names the file), on enumeration.</exception>
    public static IEnumerable<float[]> Letterboxed(IReadOnlyList<string> files, int inputSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        return Letterboxed(files, InputGeometry.Fixed(inputSize, inputSize));
    }

    /// <summary>The images letterboxed as <paramref name="geometry"/> plans them: into its fixed input, or each into
    /// its own rectangle (recorded with <see cref="ImageTensorShape"/>). Decoded lazily, one at a time.</summary>
    /// <exception cref="InvalidDataException">An image cannot be read (the message names the file), on enumeration.</exception>
    public static IEnumerable<float[]> Letterboxed(IReadOnlyList<string> files, InputGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(files);
        return Enumerate(files, geometry);
    }

    private static IEnumerable<float[]> Enumerate(IReadOnlyList<string> files, InputGeometry geometry)
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
            var (tensor, t) = Letterbox.Apply(image, geometry);
            yield return geometry.IsPerImage ? ImageTensorShape.Record(tensor, t.InputWidth, t.InputHeight) : tensor;
        }
    }
}
