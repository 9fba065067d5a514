using YoloCompress.Runtime;

namespace YoloCompress.Core.Pruning;

/// <summary>Calibration inputs as the pruner wants them: letterboxed CHW tensors, decoded lazily each time
/// the sequence is enumerated (a pass over 64 images at 640 would otherwise hold 300 MB).</summary>
public static class CalibrationInputs
{
    /// <summary>The first <paramref name="count"/> images of a folder, sorted by file name (ordinal).</summary>
    public static IReadOnlyList<string> FirstImages(string folder, int count)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Calibration image folder '{folder}' does not exist.");
        var files = Directory.GetFiles(folder)
            .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".jpg" or ".jpeg" or ".png" or ".bmp" or ".webp")
            .Order(StringComparer.Ordinal).Take(count).ToArray();
        if (files.Length == 0) throw new ArgumentException($"Calibration image folder '{folder}' holds no images.");
        return files;
    }

    /// <summary>Each image letterboxed to a square <paramref name="inputSize"/> input, decoded on enumeration.</summary>
    public static IEnumerable<float[]> Letterboxed(IReadOnlyList<string> images, int inputSize)
    {
        foreach (var path in images)
            yield return Letterbox.Apply(RgbImage.Load(path), inputSize, inputSize).Tensor;
    }
}
