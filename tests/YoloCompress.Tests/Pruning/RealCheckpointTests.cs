using YoloCompress.Core.Calibration;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Pruning;

/// <summary>Pruning the real checkpoints at 320 (a quarter of the work of 640, same structure).</summary>
public class RealCheckpointTests
{
    private const int Size = 320;

    public static TheoryData<string, bool> Checkpoints()
    {
        var data = new TheoryData<string, bool>();
        foreach (var path in TestData.AllCheckpoints())
        {
            data.Add(Path.GetFileName(path), false);
            data.Add(Path.GetFileName(path), true);
        }
        return data;
    }

    private static readonly Dictionary<string, ModelProto> Built = new();

    internal static ModelProto Model(string file, bool folded)
    {
        lock (Built)
        {
            if (!Built.TryGetValue(file, out var model))
                Built[file] = model = YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Weights(file)), Size);
            return folded ? BatchNormFolding.Fold(model) : model;
        }
    }

    /// <summary>Letterboxed coco images <paramref name="first"/>.. in name order: the shipped coco16 when they lie
    /// among its 16 (the same files as coco128's first 16), else the shared coco128.</summary>
    internal static IReadOnlyList<float[]> Images(int first, int count)
    {
        var folder = first + count <= 16 ? Path.Combine(TestData.Coco16, "images") : Path.Combine(TestData.Coco128, "images", "train2017");
        return CalibrationImages.Letterboxed(CalibrationImages.First(folder, first + count).Skip(first).ToArray(), Size).ToArray();
    }

    [SharedDataTheory("weights")]
    [MemberData(nameof(Checkpoints))]
    public void Every_checkpoint_prunes_to_a_smaller_model_with_the_right_output(string file, bool folded)
    {
        var model = Model(file, folded);
        var result = new ChannelPruner(model).Prune(new PruneOptions { Ratio = 0.3, Criterion = PruneCriterion.L2 });
        Assert.InRange(result.RemovedFraction, 0.25, 0.35);
        Assert.True(TinyGraph.ParameterCount(result.Model) < 0.65 * TinyGraph.ParameterCount(model));
        Assert.True(result.Model.CalculateSize() < 0.7 * model.CalculateSize());
        var input = OrtRunner.RandomImage(Size, seed: 5);
        var (_, shape) = OrtRunner.Run(model, input);
        var (actual, prunedShape) = OrtRunner.Run(result.Model, input);
        Assert.Equal(shape, prunedShape);
        Assert.Equal(3, shape.Length);
        Assert.Equal(3 * (Size / 8 * Size / 8 + Size / 16 * Size / 16 + Size / 32 * Size / 32), shape[1]);
        Assert.All(actual, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Zeroed_channels_of_a_real_model_carry_nothing()
    {
        var model = Model("yolov5n.pt", folded: false).Clone();
        var graph = DependencyGraph.Build(model);
        // A plain conv, a residual C3 group, a group feeding Concat + two C3s, SPPF's input, a Detect input.
        var remove = new[] { "model.0.conv", "model.2.cv1.conv", "model.4.cv3.conv", "model.9.cv1.conv", "model.23.cv3.conv" };
        foreach (var name in remove) ChannelZeroing.ZeroChannels(model, graph.Group(name)!, [1, 2, 3, 5]);
        var result = new ChannelPruner(model).Prune(new PruneOptions
        {
            Criterion = PruneCriterion.L1, RoundTo = 1,
            GroupRatios = remove.ToDictionary(n => n, n => 4.0 / graph.Group(n)!.Size),
        });
        foreach (var name in remove)
            Assert.Equal([1, 2, 3, 5], Enumerable.Range(0, graph.Group(name)!.Size).Except(result.Plan.Kept[graph.Group(name)!.Id]));
        var input = Images(0, 1)[0];
        var expected = OrtRunner.Run(model, input).Data;
        var actual = OrtRunner.Run(result.Model, input).Data;
        // Boxes are in pixels (up to 320): compare relative to the value's magnitude.
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second) / Math.Max(1, Math.Abs(p.First)));
        Assert.True(worst < 1e-4, $"largest relative difference {worst:g3}");
    }

    [SharedDataTheory("coco128")]
    [InlineData(false)]
    [InlineData(true)]
    public void Recovery_keeps_a_pruned_real_model_closer_to_the_original(bool folded)
    {
        var model = Model("yolov5n.pt", folded);
        var pruner = new ChannelPruner(model, Images(0, 16), threads: 1);
        // Keeping every channel through the full recovery path changes nothing.
        var everything = new PrunePlan(pruner.Graph.PrunableGroups.ToDictionary(g => g.Id, g => Enumerable.Range(0, g.Size).ToArray()));
        var held = Images(20, 4);
        var expected = held.Select(image => OrtRunner.Run(model, image).Data).ToArray();
        var recovery = new CalibrationRecovery(pruner);
        Assert.Equal(expected[0], OrtRunner.Run(recovery.Recover(pruner.Apply(everything), new RecoveryOptions()).Model, held[0]).Data);

        var pruned = pruner.Prune(new PruneOptions { Ratio = 0.1, Criterion = PruneCriterion.ActivationVariance, RoundTo = 1 });
        double Error(RecoveryOptions o)
        {
            var model = recovery.Recover(pruned, o).Model;
            return held.Select((image, i) => ScoreError(expected[i], OrtRunner.Run(model, image).Data)).Average();
        }
        var options = new RecoveryOptions();
        double recovered = Error(options), plain = Error(options with { Method = RecoveryMethod.None });
        double meanOnly = Error(options with { Reconstruct = false });
        Assert.True(recovered < 0.9 * plain, $"objectness error with recovery {recovered:g3} (mean folding only {meanOnly:g3}), without {plain:g3}");
        Assert.True(recovered < meanOnly, $"objectness error with reconstruction {recovered:g3}, with mean folding only {meanOnly:g3}");
    }

    /// <summary>Mean absolute difference of the objectness column.</summary>
    private static double ScoreError(float[] expected, float[] actual)
    {
        int columns = 85;
        double sum = 0;
        for (int i = 4; i < expected.Length; i += columns) sum += Math.Abs(expected[i] - actual[i]);
        return sum / (expected.Length / columns);
    }
}
