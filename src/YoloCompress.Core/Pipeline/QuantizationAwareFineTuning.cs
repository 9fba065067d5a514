using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Recovery;

namespace YoloCompress.Core.Pipeline;

/// <summary>Quantization int8-qat: before the usual int8 quantization, the working graph is fine-tuned by distillation
/// from the unpruned float model while it sees the quantization it will get: the same convs with int8 weights, the
/// same tensors at the same calibrated ranges (found by running that quantization once). The quantizer then runs
/// again on the fine-tuned weights. It quantizes a little more than int8 (QuantizationOptions.WithTrainedExtent).</summary>
internal static class QuantizationAwareFineTuning
{
    public static ModelProto Run(ModelProto teacher, ModelProto working, IReadOnlyDictionary<string, int[]> keptPositions,
        IEnumerable<float[]> calibration, IReadOnlyList<string> images, CompressionSettings settings, IProgress<string>? progress,
        CancellationToken cancellation)
    {
        var trainer = TrainingBackend.Load("Quantization int8-qat");
        progress?.Report("plan int8 for quantization-aware training");
        var plan = ModelQuantizer.Quantize(BatchNormFolding.Fold(working), settings.Quantization, settings.Calibration, calibration, cancellation).Report;
        // Folding hands each BN's output to its conv's output name; in the working graph that value is the BN's output.
        var bnOutputOf = working.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToDictionary(n => n.Input[0], n => n.Output[0], StringComparer.Ordinal);
        var ranges = new Dictionary<string, (float Min, float Max)>(StringComparer.Ordinal);
        foreach (var a in plan.Activations) ranges[bnOutputOf.GetValueOrDefault(a.Tensor, a.Tensor)] = (a.Min, a.Max);
        var weightBits = plan.Weights.ToDictionary(w => w.Node, w => w.Type == "int4" ? 4 : 8, StringComparer.Ordinal);
        progress?.Report($"quantization-aware training: {weightBits.Count(w => w.Value == 8)} int8 convs, {weightBits.Count(w => w.Value == 4)} int4 convs, {ranges.Count} int8 tensors");
        return trainer.QuantizationAwareTrain(teacher, working, keptPositions, weightBits, ranges, settings.Quantization.ActivationType == ActivationType.Int8,
            images, settings.Recovery.QuantizationAwareTraining, progress, cancellation);
    }
}
