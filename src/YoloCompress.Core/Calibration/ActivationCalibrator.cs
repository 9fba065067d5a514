using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Calibration;

/// <summary>Runs a float model (BN folded) over calibration inputs and chooses a quantization range
/// for each requested tensor.</summary>
/// <remarks>
/// Memory does not grow with the number of images: tensors are streamed image by image through
/// <see cref="ActivationCollector"/> and only per-tensor statistics are kept.
/// Histogram methods make two passes over the inputs: the first finds each tensor's min and max, the
/// second fills a fixed-range histogram over exactly that range. The alternative, an adaptive
/// histogram re-binned whenever a new image widens the range, costs one pass but smears counts at
/// every re-bin and makes the result depend on image order. Two passes give exact counts, the full
/// range from the first bin, and order independence, for twice the inference time (about 10 s for
/// 64 images of yolov5n at 640 on two cores). <see cref="CalibrationMethod.MinMax"/> needs only the first pass.
/// </remarks>
public static class ActivationCalibrator
{
    /// <param name="model">A float model; not modified.</param>
    /// <param name="tensors">Float tensors to calibrate (node outputs or graph inputs/outputs).</param>
    /// <param name="inputs">Preprocessed inputs for the model's one input (batch 1). Enumerated twice by
    /// the histogram methods, so it must be re-enumerable (e.g. a lazily decoding sequence).</param>
    /// <exception cref="ArgumentException">No inputs, or the two passes saw different inputs.</exception>
    /// <exception cref="InvalidDataException">A tensor took a NaN or infinite value; the message names it.</exception>
    public static CalibrationResult Calibrate(ModelProto model, IReadOnlyList<string> tensors, IEnumerable<float[]> inputs,
        CalibrationOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var statistics = ActivationStatistics.Collect(model, tensors, inputs,
            options.Method == CalibrationMethod.MinMax ? 0 : options.HistogramBins, options.Threads, cancellation);
        return statistics.Select(options);
    }
}
