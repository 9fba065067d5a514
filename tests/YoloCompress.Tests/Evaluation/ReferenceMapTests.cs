using Xunit.Abstractions;
using YoloCompress.Core.Evaluation;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Evaluation;

/// <summary>The project's accuracy bar: the float yolov5n on coco128 gives the reference
/// implementation's mAP (shared/README.md: 0.549 / 0.356 with square 640 letterboxing).</summary>
public class ReferenceMapTests(ITestOutputHelper output)
{
    [SharedDataFact("coco128")]
    public void FloatYolov5n_OnCoco128_MatchesTheReferenceMap()
    {
        var dataset = YoloDataset.Load(TestData.Coco128);
        using var detector = new YoloDetector(RealModel.FoldedYolov5n);

        var result = new MapEvaluator().Evaluate(detector, dataset);

        output.WriteLine(result.ToString());
        output.WriteLine($"mAP@0.5 {result.Map50:0.00000}, mAP@0.5:0.95 {result.Map50To95:0.00000}, elapsed {result.Elapsed.TotalSeconds:0.0} s, peak working set {Environment.WorkingSet / 1048576.0:0} MiB (now) / {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB (peak)");
        output.WriteLine(result.ToTable());
        Assert.Equal((128, 929), (result.Images, result.Instances));
        Assert.Equal(0.549, result.Map50, 0.005);
        Assert.Equal(0.356, result.Map50To95, 0.005);
    }
}
