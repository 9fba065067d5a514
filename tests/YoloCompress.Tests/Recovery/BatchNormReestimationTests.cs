using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Recovery;

/// <summary>BN re-estimation runs the model once, segment by segment, correcting the activations it keeps as it
/// corrects the weights: the result must be what measuring the corrected model afresh gives.</summary>
public class BatchNormReestimationTests
{
    [Fact]
    public void Every_affected_layer_of_a_pruned_yolov5n_gets_back_its_unpruned_statistics()
    {
        const int size = 256;
        var model = YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n), size);
        var images = CalibrationImages.Letterboxed(CalibrationImages.First(Path.Combine(TestData.Coco16, "images"), 8), size).ToArray();
        var pruner = new ChannelPruner(model, images, threads: 1);
        var pruned = pruner.Prune(new PruneOptions { Ratio = 0.1 });
        var recovered = new CalibrationRecovery(pruner).Recover(pruned, new RecoveryOptions { Reconstruct = false, MatchImages = 8 }).Model;

        var tensors = BatchNormReestimation.PreActivationTensors(pruner.Graph, includeDetectOutputs: true).ToArray();
        var original = ChannelStatistics.Collect(model, tensors, images, threads: 1);
        // Per channel: relative error of its spread plus error of its mean in spreads; the 95th percentile.
        double Deviation(ChannelStatistics measured)
        {
            var errors = new List<double>();
            foreach (var t in tensors)
            {
                ChannelMoments before = original[t]!, now = measured[t]!;
                var kept = pruned.KeptPositions.GetValueOrDefault(t);
                for (int c = 0; c < now.Channels; c++)
                {
                    int p = kept?[c] ?? c;
                    double sd = Math.Sqrt(before.Variance(p));
                    errors.Add(Math.Abs(Math.Sqrt(now.Variance(c)) / sd - 1) + Math.Abs(now.Mean(c) - before.Mean(p)) / sd);
                }
            }
            return errors.Order().ElementAt((int)(0.95 * errors.Count));
        }

        double prunedDeviation = Deviation(ChannelStatistics.Collect(pruned.Model, tensors, images, threads: 1));
        double recoveredDeviation = Deviation(ChannelStatistics.Collect(recovered, tensors, images, threads: 1));
        // 95% of the channels: within 0.1% of their unpruned spread and mean (the rest are clamped, losing most inputs).
        Assert.True(recoveredDeviation < 1e-3, $"95th percentile deviation after recovery {recoveredDeviation:G3} (pruned {prunedDeviation:G3})");
        Assert.True(prunedDeviation > 100 * recoveredDeviation, $"pruned {prunedDeviation:G3}, recovered {recoveredDeviation:G3}");
    }
}
