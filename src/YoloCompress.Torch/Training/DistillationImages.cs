using YoloCompress.Core.Calibration;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace YoloCompress.Torch.Training;

/// <summary>The unlabelled training images, letterboxed once to the training size (as the detector preprocesses
/// them), and batches drawn from them with augmentation: half of them as a mosaic of four, then a horizontal flip
/// and a random rescale (0.5x-1.5x) placed at a random offset on a grey canvas or cropped at a random window. Teacher and student see the same pixels, so
/// no label has to follow the transform. Every random draw comes from one seeded generator, in a fixed order.</summary>
internal sealed class DistillationImages
{
    private const float Grey = 114f / 255f;
    private readonly List<float[]> _images;
    private readonly int _size;

    public DistillationImages(IReadOnlyList<string> files, int size)
    {
        if (files.Count == 0) throw new ArgumentException("Distillation needs at least one image.", nameof(files));
        _size = size;
        _images = CalibrationImages.Letterboxed(files, size).ToList();
    }

    public int Count => _images.Count;

    /// <summary>A [batch, 3, size, size] tensor of the images at <paramref name="indices"/>.</summary>
    public Tensor Batch(IReadOnlyList<int> indices, Random random, bool augment)
    {
        var items = new Tensor[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            var x = Image(indices[i]);
            if (augment && random.Next(2) == 1) x = Mosaic(x, random);
            items[i] = augment ? Augment(x, random) : x;
        }
        return stack(items);
    }

    private Tensor Image(int index) => tensor(_images[index], [3, _size, _size]);

    /// <summary>The image and three others drawn at random, each at half size, in a 2x2 grid: compositions the few
    /// calibration images do not hold, at a smaller object scale (labels need not follow: the teacher is the label).</summary>
    private Tensor Mosaic(Tensor first, Random random)
    {
        int half = _size / 2;
        var tiles = new[] { first, Image(random.Next(Count)), Image(random.Next(Count)), Image(random.Next(Count)) }
            .Select(t => F.interpolate(t.unsqueeze(0), [half, half], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0)).ToArray();
        return cat([cat([tiles[0], tiles[1]], 2), cat([tiles[2], tiles[3]], 2)], 1);
    }

    private Tensor Augment(Tensor x, Random random)
    {
        if (random.Next(2) == 1) x = x.flip(2);
        double scale = 0.5 + random.NextDouble();
        int m = Math.Max(32, (int)Math.Round(_size * scale));
        int offsetY = random.Next(Math.Abs(_size - m) + 1), offsetX = random.Next(Math.Abs(_size - m) + 1);
        if (m == _size) return x;
        var resized = F.interpolate(x.unsqueeze(0), [m, m], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0);
        if (m > _size) return resized.slice(1, offsetY, offsetY + _size, 1).slice(2, offsetX, offsetX + _size, 1).contiguous();
        var canvas = full([3, _size, _size], Grey);
        canvas.slice(1, offsetY, offsetY + m, 1).slice(2, offsetX, offsetX + m, 1).copy_(resized);
        return canvas;
    }
}
