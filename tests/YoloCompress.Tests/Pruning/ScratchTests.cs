using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pruning;
using YoloCompress.Tests.Support;
using Xunit.Abstractions;

namespace YoloCompress.Tests.Pruning;

public class ScratchTests(ITestOutputHelper output)
{
    [Fact]
    public void Scratch_recovery()
    {
        var model = RealCheckpointTests.Model("yolov5n.pt", false);
        var images = RealCheckpointTests.Images(0, 4);
        var pruner = new ChannelPruner(model, images, threads: 1);
        var o = new PruneOptions { Ratio = 0.05, Criterion = "activation-variance", RoundTo = 1, RecoveryPasses = 1 };
        var r = pruner.Prune(o);
        var tensors = new[] { "model.0.bn", "model.1.bn", "model.2.cv1.bn", "model.2.cv2.bn", "model.24.m.0" };
        var after = ActivationStatistics.Collect(r.Model, tensors, images, 1);
        var fold = pruner.Prune(o with { RecoveryPasses = 0 });
        var afterFold = ActivationStatistics.Collect(fold.Model, tensors, images, 1);
        foreach (var t in tensors)
        {
            var b = pruner.Statistics[t]!; var a = after[t]!; var f = afterFold[t]!;
            output.WriteLine($"{t}: channels {b.Channels}->{a.Channels}");
            for (int c = 0; c < Math.Min(4, a.Channels); c++)
                output.WriteLine($"   c{c}: orig mean {b.Mean(c):g4} sd {Math.Sqrt(b.Variance(c)):g4} | fold mean {f.Mean(c):g4} sd {Math.Sqrt(f.Variance(c)):g4} | matched mean {a.Mean(c):g4} sd {Math.Sqrt(a.Variance(c)):g4}");
        }
    }
}
