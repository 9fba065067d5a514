using YoloCompress.Core.Calibration;
using Onnx;
using YoloCompress.Core.Pruning;

namespace YoloCompress.Core.Recovery;

/// <summary>Training-free recovery from calibration images: every conv that read a removed channel gets it back
/// as its least-squares estimate from the kept ones (or its mean), then BN is re-estimated wave by wave so every
/// affected layer's output statistics match the unpruned model's. Statistics of the unpruned model come from the
/// pruner (the same pass its activation criteria use); covariances and BN targets are collected once per
/// instance and reused by every <see cref="Recover"/> call, so sensitivity trials pay for them once.</summary>
public sealed class CalibrationRecovery(ChannelPruner unpruned) : IRecovery
{
    private readonly Dictionary<int, ChannelStatistics> _matchStatistics = new();
    private readonly Dictionary<int, Dictionary<string, ChannelCovariance>> _covariances = new();

    public RecoveryResult Recover(PruneResult pruned, RecoveryOptions options, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(pruned);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Method == RecoveryMethod.None || pruned.Plan.Kept.Count == 0)
            return new RecoveryResult(pruned.Model, []);
        if (unpruned.Calibration is not { } calibration)
            return new RecoveryResult(pruned.Model, ["Recovery needs calibration images and none were given; channels were removed without recovery."]);

        var model = pruned.Model.Clone();
        Func<string, ChannelCovariance?>? covariance = options.Reconstruct
            ? tensor => ConvInputCovariances(calibration, options.ReconstructImages).GetValueOrDefault(tensor) : null;
        RemovedChannelCompensation.Apply(unpruned.Model, model, pruned.KeptPositions, tensor => unpruned.Statistics[tensor]?.Means(), covariance);
        cancellation.ThrowIfCancellationRequested();
        if (options.MatchStatistics)
        {
            // Decoded once: the matching keeps activations of these images between its waves.
            var images = calibration.Take(options.MatchImages).ToArray();
            var tensors = MatchedTensors(options.MatchDetectOutputs);
            if (!_matchStatistics.TryGetValue(options.MatchImages, out var original))
                _matchStatistics[options.MatchImages] = original = ChannelStatistics.Collect(unpruned.Model, MatchedTensors(true), images, unpruned.Threads);
            BatchNormReestimation.Apply(model, tensors, original, pruned.KeptPositions, images, unpruned.Threads);
        }
        return new RecoveryResult(model, []);
    }

    /// <summary>Channel covariances of every tensor a prunable conv reads, over the first calibration images,
    /// collected in one pass on first use (centred on the statistics' means) and shared by later calls.</summary>
    private Dictionary<string, ChannelCovariance> ConvInputCovariances(IEnumerable<float[]> calibration, int images)
    {
        if (_covariances.TryGetValue(images, out var cached)) return cached;
        var shifts = unpruned.ConvInputTensors().ToDictionary(t => t, t => unpruned.Statistics[t]!.Means());
        return _covariances[images] = ChannelCovariance.Collect(unpruned.Model, shifts, calibration.Take(images), unpruned.Threads);
    }

    private IReadOnlyList<string> MatchedTensors(bool includeDetectOutputs) =>
        BatchNormReestimation.PreActivationTensors(unpruned.Graph, includeDetectOutputs).ToArray();
}
