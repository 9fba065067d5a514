using Onnx;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Core.Recovery;

/// <summary>What the opt-in training backend (src/YoloCompress.Torch, libtorch) does for the recover stage. Core
/// never references it: <see cref="TrainingBackend.Load"/> finds it at run time, so the default path restores
/// and ships no libtorch.</summary>
public interface ITrainingBackend
{
    /// <summary>The pruned model (<paramref name="pruned"/>'s, already recovered from calibration) distilled from
    /// <paramref name="teacher"/>, the unpruned working graph it was cut from, on <paramref name="images"/>; same
    /// graph structure, new weights. <paramref name="progress"/> gets one line an epoch.</summary>
    ModelProto Distill(ModelProto teacher, PruneResult pruned, IReadOnlyList<string> images, DistillationOptions options,
        IProgress<string>? progress, CancellationToken cancellation);

    /// <summary>Quantization-aware fine-tuning of <paramref name="student"/> (a working graph, BN separate) by
    /// distillation from <paramref name="teacher"/>: the convs named in <paramref name="weightBits"/> see per-channel int8 (or int4, as the value says)
    /// weights, the tensors in <paramref name="activationRanges"/> per-tensor (u)int8 values at those ranges, as the QDQ
    /// writer will quantize them. <paramref name="keptPositions"/>: the pruner's map when the student was pruned (else empty). Returns the float graph with the trained weights.</summary>
    ModelProto QuantizationAwareTrain(ModelProto teacher, ModelProto student, IReadOnlyDictionary<string, int[]> keptPositions, IReadOnlyDictionary<string, int> weightBits,
        IReadOnlyDictionary<string, (float Min, float Max)> activationRanges, bool signedActivations, IReadOnlyList<string> images,
        DistillationOptions options, IProgress<string>? progress, CancellationToken cancellation);

    /// <summary>Per image of <paramref name="images"/> (letterboxed to <see cref="DistillationOptions.ImageSize"/>, not
    /// augmented), per channel of each of <paramref name="tensors"/>: the sums over positions of activation x gradient and
    /// of the gradient of <paramref name="model"/>'s prediction loss against labels drawn from its own outputs (seeded
    /// by <see cref="DistillationOptions.Seed"/>), for <see cref="TaylorImportance"/>.</summary>
    IReadOnlyDictionary<string, ChannelGradients> ChannelGradients(ModelProto model, IReadOnlyCollection<string> tensors, IReadOnlyList<string> images,
        DistillationOptions options, CancellationToken cancellation);
}
