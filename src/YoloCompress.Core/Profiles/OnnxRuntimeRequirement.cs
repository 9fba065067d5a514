using NuGet.Versioning;
using YoloCompress.Core.Quantization;

namespace YoloCompress.Core.Profiles;

/// <summary>The oldest Microsoft.ML.OnnxRuntime that runs what a profile emits. Every model is
/// opset 17 (ONNX Runtime 1.13 added opset 17); QDQ int8 with per-channel weight scales
/// (DequantizeLinear with an axis) and float16 Conv/Resize run there too. Kept per quantization so
/// a future emitter (int4 blocks, opset 21) raises only its own row.</summary>
public static class OnnxRuntimeRequirement
{
    /// <summary>ONNX Runtime 1.13.1: first release with opset 17 kernels.</summary>
    public static readonly NuGetVersion Opset17 = new(1, 13, 1);

    public static NuGetVersion For(CompressionSettings settings) => settings.Quantization.Mode switch
    {
        QuantizationMode.Int8 or QuantizationMode.Int8Qat => Opset17,
        QuantizationMode.Int8WeightOnly => Opset17,
        QuantizationMode.Float16 => Opset17,
        _ => Opset17,
    };

    /// <summary>What the model needs, in words, for the error message.</summary>
    public static string Describe(CompressionSettings settings) => settings.Quantization.Mode switch
    {
        QuantizationMode.Int8 or QuantizationMode.Int8Qat => "an opset 17 model with int8 QDQ and per-channel weight scales",
        QuantizationMode.Int8WeightOnly => "an opset 17 model with int8 weights (DequantizeLinear per channel)",
        QuantizationMode.Float16 => "an opset 17 float16 model",
        _ => "an opset 17 model",
    };
}
