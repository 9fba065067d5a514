using System.Globalization;
using Onnx;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Torch.Training;

namespace YoloCompress.Torch;

/// <summary>The training backend Core finds at run time (<see cref="TrainingBackend"/>): distillation of a pruned
/// graph from the unpruned one, matching the Detect outputs and every pruned layer's kept channels.</summary>
public sealed class TorchTrainingBackend : ITrainingBackend
{
    public ModelProto Distill(ModelProto teacher, PruneResult pruned, IReadOnlyList<string> images, DistillationOptions options,
        IProgress<string>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(pruned);
        var features = FeatureMatch.ForConvOutputs(pruned.Model, pruned.KeptPositions);
        var epochs = progress is null ? null : new EpochLines(progress);
        return GraphDistiller.Distill(pruned.Model, teacher, images, options, quantization: null, epochs, cancellation, features);
    }

    public ModelProto QuantizationAwareTrain(ModelProto teacher, ModelProto student, IReadOnlyDictionary<string, int[]> keptPositions,
        IReadOnlyDictionary<string, int> weightBits, IReadOnlyDictionary<string, (float Min, float Max)> activationRanges, bool signedActivations,
        IReadOnlyList<string> images, DistillationOptions options, IProgress<string>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(weightBits);
        var features = FeatureMatch.ForConvOutputs(student, keptPositions);
        var epochs = progress is null ? null : new EpochLines(progress);
        var quantization = new QuantizationAwareTraining(node => weightBits.GetValueOrDefault(node.Name), activationRanges, signedActivations);
        return GraphDistiller.Distill(student, teacher, images, options, quantization, epochs, cancellation, features);
    }

    public IReadOnlyDictionary<string, ChannelGradients> ChannelGradients(ModelProto model, IReadOnlyCollection<string> tensors,
        IReadOnlyList<string> images, DistillationOptions options, CancellationToken cancellation) =>
        SampledFisherGradients.Compute(model, tensors, images, options, cancellation);

    /// <summary>One line an epoch: loss, throughput, time left.</summary>
    private sealed class EpochLines(IProgress<string> lines) : IProgress<DistillationProgress>
    {
        public void Report(DistillationProgress p)
        {
            if (p.Step != p.StepsPerEpoch) return;
            lines.Report(string.Create(CultureInfo.InvariantCulture,
                $"distill epoch {p.Epoch}/{p.Epochs}: loss {p.Loss:0.0000} (features {p.FeatureLoss:0.0000}), {p.ImagesPerSecond:0.0} images/s, {p.Remaining.TotalMinutes:0.0} min left"));
        }
    }
}
