using YoloCompress.Core.Evaluation;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Pipeline;

/// <summary>Accuracy of a model on the run's labelled set; the set is read once and used for the
/// model before and after compression, so both are judged on exactly the same labels.</summary>
internal sealed class ModelValidator
{
    private readonly YoloDataset _dataset;

    private IReadOnlyList<(int Width, int Height)>? _imageSizes;

    public ModelValidator(string directory) => _dataset = YoloDataset.Load(directory);

    /// <summary>The validation images' sizes (what per-image shapes cost is averaged over), read once.</summary>
    public IReadOnlyList<(int Width, int Height)> ImageSizes =>
        _imageSizes ??= _dataset.Samples.Select(s => ImageDimensions.Read(s.ImagePath)).ToArray();

    public MapResult Evaluate(byte[] model, CancellationToken cancellation)
    {
        using var detector = new YoloDetector(model);
        return new MapEvaluator().Evaluate(detector, _dataset, progress: null, cancellation);
    }
}
