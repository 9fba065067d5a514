using System.Globalization;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Evaluation;

/// <summary>One labelled object: class and normalised centre/size (0..1 of the image), as in a
/// YOLO txt label line <c>class cx cy w h</c>.</summary>
public readonly record struct YoloLabel(int ClassId, float CenterX, float CenterY, float Width, float Height)
{
    /// <summary>The box in pixels of a <paramref name="imageWidth"/> x <paramref name="imageHeight"/>
    /// image, clipped to it (the reference validator's round trip clips labels too).</summary>
    public BoundingBox ToPixels(int imageWidth, int imageHeight)
    {
        float x1 = (CenterX - Width / 2) * imageWidth, x2 = (CenterX + Width / 2) * imageWidth;
        float y1 = (CenterY - Height / 2) * imageHeight, y2 = (CenterY + Height / 2) * imageHeight;
        return new BoundingBox(Math.Clamp(x1, 0, imageWidth), Math.Clamp(y1, 0, imageHeight),
            Math.Clamp(x2, 0, imageWidth), Math.Clamp(y2, 0, imageHeight));
    }
}

/// <summary>An image of a dataset and its labels (empty when it has no label file).</summary>
public sealed record YoloSample(string ImagePath, string LabelPath, IReadOnlyList<YoloLabel> Labels);

/// <summary>A labelled image set in YOLO txt format: images under <c>images/</c> (any depth),
/// labels at the same relative path under <c>labels/</c> with a <c>.txt</c> extension.</summary>
/// <remarks>Follows the reference loader: a missing label file means an image without objects;
/// duplicate label rows are dropped (<c>np.unique</c>); polygon rows (segments) become their
/// bounding box. Unlike the reference, which skips an image with a bad label and warns, a
/// malformed line is an error naming the file and line. Only labels are held in memory; images
/// are read when evaluated.</remarks>
public sealed class YoloDataset
{
    /// <summary>Image extensions picked up (lower case).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".bmp", ".webp"];

    private YoloDataset(string root, IReadOnlyList<YoloSample> samples)
    {
        Root = root;
        Samples = samples;
    }

    /// <summary>The dataset folder (holding <c>images/</c> and <c>labels/</c>).</summary>
    public string Root { get; }

    /// <summary>Images in ordinal order of their relative path.</summary>
    public IReadOnlyList<YoloSample> Samples { get; }

    /// <summary>Number of labelled objects over all images.</summary>
    public int LabelCount => Samples.Sum(s => s.Labels.Count);

    /// <summary>At most <paramref name="maxImages"/> samples, evenly spaced over the ordered set (the i-th of N
    /// chosen from n is sample floor(i * n / N)): a cheaper, deterministic proxy for repeated evaluations.</summary>
    public YoloDataset Subset(int maxImages)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxImages);
        if (maxImages >= Samples.Count) return this;
        var chosen = new YoloSample[maxImages];
        for (int i = 0; i < maxImages; i++) chosen[i] = Samples[(int)((long)i * Samples.Count / maxImages)];
        return new YoloDataset(Root, chosen);
    }

    /// <summary>Reads the dataset at <paramref name="directory"/> (labels now, images later).</summary>
    /// <exception cref="DirectoryNotFoundException">No <c>images</c> folder.</exception>
    /// <exception cref="InvalidDataException">No images, or a malformed label file (the message names file and line).</exception>
    public static YoloDataset Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var root = Path.GetFullPath(directory);
        var imagesDir = Path.Combine(root, "images");
        if (!Directory.Exists(imagesDir))
            throw new DirectoryNotFoundException($"Dataset '{root}' has no 'images' folder (expected images under '{imagesDir}' and labels under '{Path.Combine(root, "labels")}').");
        var labelsDir = Path.Combine(root, "labels");

        var images = Directory.EnumerateFiles(imagesDir, "*", SearchOption.AllDirectories)
            .Where(p => ImageExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
            .Select(p => Path.GetRelativePath(imagesDir, p))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (images.Count == 0)
            throw new InvalidDataException($"Dataset '{root}' has no images under '{imagesDir}' ({string.Join(", ", ImageExtensions)}).");

        var samples = new List<YoloSample>(images.Count);
        foreach (var relative in images)
        {
            var labelPath = Path.Combine(labelsDir, Path.ChangeExtension(relative, ".txt"));
            var labels = File.Exists(labelPath) ? ReadLabels(labelPath) : [];
            samples.Add(new YoloSample(Path.Combine(imagesDir, relative), labelPath, labels));
        }
        return new YoloDataset(root, samples);
    }

    /// <summary>Parses one YOLO label file.</summary>
    public static IReadOnlyList<YoloLabel> ReadLabels(string path)
    {
        var labels = new List<YoloLabel>();
        var seen = new HashSet<YoloLabel>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var label = ParseLine(line, path, lineNumber);
            if (seen.Add(label))
                labels.Add(label);
        }
        // np.unique sorts rows; the order does not matter to evaluation, so keep the file's.
        return labels;
    }

    private static YoloLabel ParseLine(string line, string path, int lineNumber)
    {
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5 || (fields.Length > 5 && fields.Length % 2 == 0))
            throw Malformed(path, lineNumber, $"expected 'class cx cy w h' (5 values) or 'class x1 y1 x2 y2 ...' (a polygon), found {fields.Length} values");

        var values = new float[fields.Length];
        for (int i = 0; i < fields.Length; i++)
        {
            if (!float.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                throw Malformed(path, lineNumber, $"'{fields[i]}' is not a number");
        }
        if (values[0] < 0 || values[0] != MathF.Floor(values[0]) || values[0] > 1_000_000)
            throw Malformed(path, lineNumber, $"class '{fields[0]}' is not a non-negative integer");
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] < 0 || values[i] > 1)
                throw Malformed(path, lineNumber, $"coordinate '{fields[i]}' is outside 0..1 (labels must be normalised)");
        }

        int cls = (int)values[0];
        if (values.Length == 5)
            return new YoloLabel(cls, values[1], values[2], values[3], values[4]);

        // A polygon: its bounding box, as ultralytics segments2boxes.
        float minX = float.MaxValue, minY = float.MaxValue, maxX = float.MinValue, maxY = float.MinValue;
        for (int i = 1; i < values.Length; i += 2)
        {
            minX = Math.Min(minX, values[i]);
            maxX = Math.Max(maxX, values[i]);
            minY = Math.Min(minY, values[i + 1]);
            maxY = Math.Max(maxY, values[i + 1]);
        }
        return new YoloLabel(cls, (minX + maxX) / 2, (minY + maxY) / 2, maxX - minX, maxY - minY);
    }

    private static InvalidDataException Malformed(string path, int line, string problem) =>
        new($"Label file '{path}' line {line}: {problem}.");
}
