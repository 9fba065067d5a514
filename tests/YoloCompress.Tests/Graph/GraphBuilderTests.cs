using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Graph;

public class GraphBuilderTests
{
    [Fact]
    public void Smoke()
    {
        var ckpt = CheckpointReader.Read(TestData.Yolov5n);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var model = YoloGraphBuilder.Build(ckpt, 640);
        var t1 = sw.ElapsedMilliseconds;
        var folded = BatchNormFolding.Fold(model);
        var t2 = sw.ElapsedMilliseconds;
        var input = OrtRunner.RandomImage(640);
        var (a, shape) = OrtRunner.Run(model, input, 640);
        var (b, _) = OrtRunner.Run(folded, input, 640);
        Console.WriteLine($"build {t1} fold {t2 - t1} shape [{string.Join(",", shape)}] sumA {a.Sum()} sumB {b.Sum()} maxdiff {a.Zip(b, (x, y) => Math.Abs(x - y)).Max()}");
        Assert.Equal(new[] { 1, 25200, 85 }, shape);
    }
}
