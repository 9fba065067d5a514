using SkiaSharp;
using YoloCompress.Core.Evaluation;
using YoloCompress.Runtime;
using YoloCompress.Tests.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Evaluation;

public sealed class MapEvaluatorTests : IDisposable
{
    private readonly string _dir = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Evaluate_MapsPredictionsBackToEachImage_AndScoresThem()
    {
        // A model that always "sees" a cat at input (16..48, 24..40) of a 64x64 input.
        float[][] rows = [[32, 32, 32, 16, 0.9f, 0.95f, 0.01f]];
        using var detector = new YoloDetector(TinyModels.ConstantOutput(rows, 64, "{0: 'cat', 1: 'dog'}"));

        // 128x64 image: scale 0.5, 16 rows of padding: the box is (32, 16)-(96, 48) in the image.
        WriteImage("images/wide.png", 128, 64);
        File.WriteAllText(Path.Combine(_dir, "labels", "wide.txt"), "0 0.5 0.5 0.5 0.5\n"); // exact
        // 64x128 image: scale 0.5, 16 columns of padding: the box is (0, 48)-(64, 80) in the image.
        WriteImage("images/tall.png", 64, 128);
        File.WriteAllText(Path.Combine(_dir, "labels", "tall.txt"), "0 0.5 0.5 1.0 0.1875\n"); // 64x24 at y 52..76: IoU 0.75
        WriteImage("images/empty.png", 64, 64); // no labels: its cat is a false positive, ranked equal

        var dataset = YoloDataset.Load(_dir);
        var reported = new List<int>();
        var result = new MapEvaluator().Evaluate(detector, dataset, new SyncProgress(reported.Add));

        Assert.Equal([1, 2, 3], reported);
        Assert.Equal((3, 2), (result.Images, result.Instances));
        var cat = Assert.Single(result.PerClass);
        Assert.Equal(("cat", 2, 2), (cat.Name, cat.Images, cat.Instances));
        // Three equal-confidence predictions in dataset order (empty, tall, wide): FP, TP, TP at 0.5.
        // recall [0, .5, 1], precision [0, .5, .667]: envelope .667 to recall 1.
        double twoThirds = 2.0 / 3.0;
        Assert.Equal(0.99 * twoThirds + 0.01 * twoThirds / 2, result.Map50, 9);
        Assert.True(result.Map50To95 < result.Map50);
        Assert.True(result.Elapsed > TimeSpan.Zero);
    }

    [Fact]
    public void Evaluate_ThroughADelegate_UsesTheGivenRunner()
    {
        WriteImage("images/a.png", 64, 64);
        File.WriteAllText(Path.Combine(_dir, "labels", "a.txt"), "1 0.5 0.5 0.5 0.5\n");
        var dataset = YoloDataset.Load(_dir);
        int calls = 0;
        float[] output = [32, 32, 32, 32, 0.9f, 0.1f, 0.9f];

        var result = new MapEvaluator().Evaluate(input =>
        {
            calls++;
            Assert.Equal(3 * 64 * 64, input.Length);
            return new ModelOutput(output, 7);
        }, 64, 64, ["cat", "dog"], dataset);

        Assert.Equal(1, calls);
        Assert.Equal(0.995, result.Map50, 9);
    }

    [Fact]
    public void Evaluate_LabelClassBeyondTheModel_NamesTheLabelFile()
    {
        WriteImage("images/a.png", 64, 64);
        File.WriteAllText(Path.Combine(_dir, "labels", "a.txt"), "7 0.5 0.5 0.5 0.5\n");
        var dataset = YoloDataset.Load(_dir);

        var ex = Assert.Throws<InvalidDataException>(() => new MapEvaluator().Evaluate(
            _ => new ModelOutput(new float[7], 7), 64, 64, ["cat", "dog"], dataset));
        Assert.Contains(Path.Combine(_dir, "labels", "a.txt"), ex.Message);
    }

    private void WriteImage(string relative, int width, int height)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Directory.CreateDirectory(Path.Combine(_dir, "labels"));
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(SKColors.Gray);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts asynchronously).</summary>
    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
