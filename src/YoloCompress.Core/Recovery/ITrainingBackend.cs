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
}
