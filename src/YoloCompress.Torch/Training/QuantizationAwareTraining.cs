using Onnx;

namespace YoloCompress.Torch.Training;

/// <summary>What the student is fake-quantized to while it is distilled (quantization-aware fine-tuning): the
/// same choices the QDQ quantizer will make afterwards, so the weights learn to survive them. The returned model
/// stays float; the quantizer then runs as usual on it.</summary>
/// <param name="WeightBits">Bits of each convolution's per-channel weights (8 or 4; 0 for those the quantizer keeps float).</param>
/// <param name="ActivationRanges">Calibrated (min, max) of each activation tensor the quantizer will quantize.</param>
/// <param name="SignedActivations">int8 symmetric activations instead of uint8 asymmetric.</param>
public sealed record QuantizationAwareTraining(Func<NodeProto, int> WeightBits,
    IReadOnlyDictionary<string, (float Min, float Max)> ActivationRanges, bool SignedActivations = false);
