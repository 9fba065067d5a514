using Onnx;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Recovery;

namespace YoloCompress.Core.Pipeline;

/// <summary>The prune and recover stages, in <see cref="PruneOptions.Steps"/> steps (iterative pruning): each step
/// prunes the current model by its share of the target, rebuilds what it removed from calibration images, and,
/// with Recovery distill, distils the result from the original unpruned model before the next step prunes again
/// (the steps share DistillEpochs).</summary>
internal static class PruneAndRecover
{
    public static PruneResult Run(ModelProto unpruned, IEnumerable<float[]>? calibration, IReadOnlyList<string> imageFiles,
        CompressionSettings settings, IProgress<string>? progress, CancellationToken cancellation)
    {
        var options = settings.Pruning;
        var recovery = settings.Recovery;
        // Found before pruning, so that a missing backend fails in seconds, not after minutes of work.
        var trainer = recovery.Method == RecoveryMethod.Distill ? TrainingBackend.Load("Recovery distill") : null;
        var gradients = ChannelImportance.Create(options.Criterion).NeedsGradients
            ? GradientSource(trainer ?? TrainingBackend.Load($"PruneCriterion {options.Criterion.ToSettingName()}"), imageFiles, recovery.Distillation, progress, cancellation)
            : null;
        long originalMacs = ModelCost.Of(unpruned).ConvMacs;
        PruneResult? total = null;
        for (int step = 1; step <= options.Steps; step++)
        {
            var current = total?.Model ?? unpruned;
            var pruner = new ChannelPruner(current, calibration, gradients: gradients);
            var stepOptions = StepOptions(options, step, (double)originalMacs / ModelCost.Of(current).ConvMacs);
            progress?.Report(options.Steps == 1 ? $"prune by {options.Criterion.ToSettingName()}" : $"prune step {step}/{options.Steps} by {options.Criterion.ToSettingName()}");
            var pruned = pruner.Prune(stepOptions);
            cancellation.ThrowIfCancellationRequested();
            if (recovery.Method != RecoveryMethod.None)
            {
                progress?.Report("recover from calibration images");
                var recovered = new CalibrationRecovery(pruner).Recover(pruned, recovery, cancellation);
                pruned = pruned.With(recovered.Model, recovered.Notes);
            }
            total = total is null ? pruned : total.Then(pruned);
            if (trainer is not null)
            {
                progress?.Report($"distill from the unpruned model on {imageFiles.Count} images");
                // DistillEpochs is the whole run's: the steps share it, so more steps cost no more training.
                int epochs = Math.Max(1, recovery.Distillation.Epochs * step / options.Steps - recovery.Distillation.Epochs * (step - 1) / options.Steps);
                total = total.With(trainer.Distill(unpruned, total, imageFiles, recovery.Distillation with { Epochs = epochs }, progress, cancellation), []);
            }
            cancellation.ThrowIfCancellationRequested();
        }
        return total!;
    }

    private static ChannelGradientSource GradientSource(ITrainingBackend backend, IReadOnlyList<string> images, DistillationOptions options,
        IProgress<string>? progress, CancellationToken cancellation) => (model, tensors) =>
    {
        progress?.Report($"channel gradients on {images.Count} images");
        return backend.ChannelGradients(model, tensors, images, options, cancellation);
    };

    /// <summary>Step <paramref name="step"/>'s options on the current model: the share of the target reached so far
    /// (channels: ratio r x step / steps of the original; FLOPs: 1 - (1 - f) x step / steps of the original),
    /// expressed relative to the current model, which earlier steps already pruned.
    /// <paramref name="originalOverCurrent"/>: the original model's FLOPs over the current one's.</summary>
    private static PruneOptions StepOptions(PruneOptions options, int step, double originalOverCurrent)
    {
        if (options.Steps == 1) return options;
        if (options.TargetFlops is { } target)
            return options with { TargetFlops = Math.Min(1, (1 - (1 - target) * step / options.Steps) * originalOverCurrent) };
        double Relative(double ratio) => 1 - (1 - ratio * step / options.Steps) / (1 - ratio * (step - 1) / options.Steps);
        return options with
        {
            Ratio = Relative(options.Ratio),
            Overrides = options.Overrides.Select(o => o with { Ratio = Relative(o.Ratio) }).ToArray(),
            GroupRatios = options.GroupRatios?.ToDictionary(g => g.Key, g => Relative(g.Value)),
        };
    }
}
