using System.Diagnostics;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Evaluation;

/// <summary>Runs a model on one preprocessed input (float CHW, RGB 0..1, batch of one) and returns
/// its raw output <c>[anchors, 5 + classes]</c>. Lets any runner be evaluated: a
/// <see cref="YoloDetector"/> of a float, int8 or pruned model, or something else entirely.</summary>
public delegate ModelOutput ModelRunner(float[] input);

/// <summary>mAP of a YOLOv5 model on a labelled set, computed like ultralytics v7.0 <c>val.py</c>
/// with letterboxing into the model's input (square, rectangle, or each image's own rectangle): NMS at confidence 0.001, IoU 0.6, multi-label, 300 detections;
/// predictions mapped back to original pixels; COCO 101-point AP at IoU 0.50:0.05:0.95.</summary>
/// <remarks>Images are read one at a time: memory holds one image and the detections' summaries.</remarks>
public sealed class MapEvaluator
{
    /// <summary>Evaluates with the reference validator's post-processing.</summary>
    public MapEvaluator()
        : this(DetectionOptions.Evaluation)
    {
    }

    /// <summary>Evaluates with other post-processing settings.</summary>
    public MapEvaluator(DetectionOptions options)
    {
        Options = options;
    }

    /// <summary>The NMS settings used.</summary>
    public DetectionOptions Options { get; }

    /// <summary>Evaluates <paramref name="detector"/> on <paramref name="dataset"/>.</summary>
    /// <param name="detector">The model.</param>
    /// <param name="dataset">The labelled images.</param>
    /// <param name="progress">Receives the number of images done after each image.</param>
    /// <param name="cancellationToken">Checked between images.</param>
    public MapResult Evaluate(YoloDetector detector, YoloDataset dataset, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detector);
        // The detector letterboxes as its model's input asks: fixed, rectangular or per image.
        return Evaluate(detector.Run, detector.Names, dataset, progress, cancellationToken);
    }

    /// <summary>Evaluates any model runner on <paramref name="dataset"/>.</summary>
    /// <param name="runner">Runs the model on one letterboxed input.</param>
    /// <param name="inputWidth">The model's input width.</param>
    /// <param name="inputHeight">The model's input height.</param>
    /// <param name="names">Class names by id.</param>
    /// <param name="dataset">The labelled images.</param>
    /// <param name="progress">Receives the number of images done after each image.</param>
    /// <param name="cancellationToken">Checked between images.</param>
    public MapResult Evaluate(ModelRunner runner, int inputWidth, int inputHeight, IReadOnlyList<string> names,
        YoloDataset dataset, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var input = new float[3 * inputWidth * inputHeight];
        return Evaluate(image =>
        {
            var transform = Letterbox.Apply(image, input, inputWidth, inputHeight);
            return (runner(input), transform);
        }, names, dataset, progress, cancellationToken);
    }

    private MapResult Evaluate(Func<RgbImage, (ModelOutput Output, LetterboxTransform Transform)> run, IReadOnlyList<string> names,
        YoloDataset dataset, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(dataset);

        var start = Stopwatch.GetTimestamp();
        var nms = new NonMaxSuppression();
        var detections = new List<Detection>();
        var labels = new List<(int, BoundingBox)>();
        var accumulator = new MapAccumulator(names);

        for (int i = 0; i < dataset.Samples.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sample = dataset.Samples[i];
            var image = RgbImage.Load(sample.ImagePath);
            var (output, transform) = run(image);
            if (output.Columns - 5 != names.Count)
                throw new InvalidDataException($"The model gives {output.Columns - 5} classes a row but has {names.Count} class names.");

            nms.Run(output.Values, output.Columns, Options, names, detections);
            for (int d = 0; d < detections.Count; d++)
                detections[d] = detections[d] with { Box = transform.ToOriginal(detections[d].Box) };

            labels.Clear();
            foreach (var label in sample.Labels)
            {
                if (label.ClassId >= names.Count)
                    throw new InvalidDataException($"Label file '{sample.LabelPath}' has class {label.ClassId}, but the model has {names.Count} classes (0..{names.Count - 1}).");
                labels.Add((label.ClassId, label.ToPixels(image.Width, image.Height)));
            }
            accumulator.Add(detections, labels);
            progress?.Report(i + 1);
        }

        return accumulator.Compute() with { Elapsed = Stopwatch.GetElapsedTime(start) };
    }
}
