using Onnx;
using YoloCompress.Core.Calibration;

namespace YoloCompress.Core.Quantization;

/// <summary>The quantize stage in one call: dispatches on the quantization mode.</summary>
public static class ModelQuantizer
{
    /// <summary>The calibration options int8 quantization calibrates with: int8 activations take symmetric ranges.</summary>
    public static CalibrationOptions CalibrationFor(QuantizationOptions options, CalibrationOptions calibration) =>
        calibration with { Symmetric = options.ActivationType == ActivationType.Int8 };

    /// <summary>Quantizes <paramref name="model"/> (float32, BN folded) as the options say.</summary>
    /// <param name="calibrationInputs">Preprocessed images (see <see cref="CalibrationImages"/>); needed by
    /// int8 only, enumerated twice by the histogram methods.</param>
    /// <exception cref="ArgumentException">int8 was asked for without calibration inputs.</exception>
    public static QuantizationResult Quantize(ModelProto model, QuantizationOptions options, CalibrationOptions calibration,
        IEnumerable<float[]>? calibrationInputs, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(calibration);
        switch (options.Mode)
        {
            case QuantizationMode.None:
                return new QuantizationResult(model.Clone(), new QuantizationReport { Mode = QuantizationMode.None.ToSettingName() });
            case QuantizationMode.Float16:
                return Float16Converter.Convert(model, options);
            case QuantizationMode.Int8WeightOnly:
                return WeightOnlyQuantizer.Quantize(model, options);
            case QuantizationMode.Int8:
            case QuantizationMode.Int8Qat:
                if (calibrationInputs is null)
                    throw new ArgumentException("Setting 'Quantization': int8 needs calibration images; give some, or use int8-weight-only or fp16.");
                return QdqQuantizer.Quantize(model, options.WithTrainedExtent(), calibrationInputs, CalibrationFor(options, calibration), cancellation);
            default:
                throw new ArgumentOutOfRangeException(nameof(options), $"Unknown quantization mode {options.Mode}.");
        }
    }
}
