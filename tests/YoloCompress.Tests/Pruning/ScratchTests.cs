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
        var pruner = new ChannelPruner(model, RealCheckpointTests.Images(0, 8), threads: 1);
        var held = RealCheckpointTests.Images(20, 1)[0];
        var expected = TinyModel.Run(model, held);
        var o = new PruneOptions { Ratio = 0.1, Criterion = "activation-variance", RoundTo = 1 };
        foreach (var (name, opt) in new[] {
            ("none", o with { Recovery = false }),
            ("fold", o with { RecoveryPasses = 0 }),
            ("fold+1", o with { RecoveryPasses = 1 }),
            ("fold+1 nohead", o with { RecoveryPasses = 1, MatchDetectOutputs = false }),
            ("fold+2", o with { RecoveryPasses = 2 }),
        })
        {
            var r = pruner.Prune(opt);
            var a = TinyModel.Run(r.Model, held);
            double e = 0; for (int i = 4; i < a.Length; i += 85) e += Math.Abs(a[i] - expected[i]);
            output.WriteLine($"{name}: {e / (a.Length / 85):g4}");
        }
    }
}
