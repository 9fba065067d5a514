using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Tests.Support;
using YoloCompress.Torch.Training;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Tests.Training;

/// <summary>Distillation on a really pruned yolov5n (25% of channels by L1, no recovery, so there is a lot to win
/// back), at a small training size so the tests stay quick.</summary>
public class GraphDistillerTests
{
    private static readonly Lazy<(ModelProto Teacher, ModelProto Student)> Models = new(() =>
    {
        var teacher = Yolov5nGraphs.Working(320);
        var student = new ChannelPruner(teacher).Prune(new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L1 }).Model;
        return (teacher, student);
    });

    private static readonly DistillationOptions Quick = new() { Epochs = 3, ImageSize = 96, Batch = 4, LearningRate = 1e-3, Seed = 7, Threads = 2 };

    private static IReadOnlyList<string> TrainImages => Enumerable.Range(0, 8).Select(Yolov5nGraphs.Coco).ToList();

    /// <summary>The distillation loss of <paramref name="student"/> against the teacher on images it was not trained on.</summary>
    private static double HeldOutLoss(ModelProto student)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (teacher, _) = Models.Value;
        using var t = new GraphModule(teacher);
        using var s = new GraphModule(student);
        var head = DetectHead.Find(teacher);
        var input = stack(new[] { 12, 13, 14, 15 }.Select(i => tensor(Yolov5nGraphs.Letterboxed(Yolov5nGraphs.Coco(i), Quick.ImageSize), [3, Quick.ImageSize, Quick.ImageSize])).ToArray());
        var to = t.Forward(input, head.Outputs);
        var so = s.Forward(input, head.Outputs);
        return DistillationLoss.Compute(head.Outputs.Select(o => so[o]).ToList(), head.Outputs.Select(o => to[o]).ToList(), head.Anchors).Total.item<float>();
    }

    [Fact]
    public void TheStudentMovesTowardsTheTeacherOnImagesItDidNotSee()
    {
        var (teacher, student) = Models.Value;
        var reports = new List<DistillationProgress>();

        var distilled = GraphDistiller.Distill(student, teacher, TrainImages, Quick, new InlineProgress(reports.Add));

        double before = HeldOutLoss(student), after = HeldOutLoss(distilled);
        Assert.True(after < before * 0.9, $"held-out distillation loss {before:0.0000} -> {after:0.0000}");
        Assert.Equal(6, reports.Count); // 3 epochs of 2 steps
        Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
        Assert.All(reports, r => Assert.True(r.ImagesPerSecond > 0 && double.IsFinite(r.Loss)));
        Assert.Equal(student.Graph.Node, distilled.Graph.Node);
    }

    [Fact]
    public void TheSameSeedGivesTheSameBytesAndAnotherSeedOthers()
    {
        var (teacher, student) = Models.Value;
        var once = Quick with { Epochs = 1, Batch = 8 };

        var first = GraphDistiller.Distill(student, teacher, TrainImages, once).ToByteArray();
        var second = GraphDistiller.Distill(student, teacher, TrainImages, once).ToByteArray();
        var other = GraphDistiller.Distill(student, teacher, TrainImages, once with { Seed = 8 }).ToByteArray();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void QuantizationAwareDistillationTrainsThroughTheFakeQuantizersAndReturnsAFloatGraph()
    {
        var (teacher, student) = Models.Value;
        var once = Quick with { Epochs = 1, Batch = 8 };
        var head = DetectHead.Find(student).Outputs.ToHashSet();
        var qat = new QuantizationAwareTraining(node => head.Contains(node.Output[0]) ? 0 : 8,
            student.Graph.Node.Where(n => n.OpType == "Sigmoid").ToDictionary(n => n.Output[0], _ => (-0.1f, 1f)));

        var plain = GraphDistiller.Distill(student, teacher, TrainImages, once);
        var quantized = GraphDistiller.Distill(student, teacher, TrainImages, once, qat);

        Assert.Equal(student.Graph.Node, quantized.Graph.Node);
        Assert.All(quantized.Graph.Initializer, i => Assert.Contains(i.DataType, new[] { 1, 7 })); // float32 or int64, as before
        Assert.NotEqual(plain.ToByteArray(), quantized.ToByteArray());
    }

    [Fact]
    public void TheLearningRateWarmsUpToThePeakThenFallsToATenth()
    {
        var rates = Enumerable.Range(0, 100).Select(step => GraphDistiller.LearningRate(0.01, step, warmupSteps: 10, totalSteps: 100)).ToArray();

        Assert.All(rates.Take(11).Zip(rates.Skip(1).Take(10)), p => Assert.True(p.Second > p.First));
        Assert.Equal(0.01, rates[10], 12);
        Assert.All(rates.Skip(10).Zip(rates.Skip(11)), p => Assert.True(p.Second < p.First));
        Assert.Equal(0.001, rates[^1], 12);
    }

    [Fact]
    public void BadOptionsNameTheSetting()
    {
        var (teacher, student) = Models.Value;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GraphDistiller.Distill(student, teacher, TrainImages, Quick with { ImageSize = 100 }));
        Assert.Contains("DistillImageSize", e.Message);
    }

    private sealed class InlineProgress(Action<DistillationProgress> report) : IProgress<DistillationProgress>
    {
        public void Report(DistillationProgress value) => report(value);
    }
}
