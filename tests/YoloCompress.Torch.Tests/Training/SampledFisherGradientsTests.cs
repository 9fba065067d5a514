using YoloCompress.Core.Calibration;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Torch.Training;

namespace YoloCompress.Torch.Tests.Training;

/// <summary>The taylor criterion on yolov5n with the training backend's gradients: the gradients are real (non-zero,
/// one row an image, reproducible), and the ranking they give removes channels that matter less than a random
/// choice does.</summary>
public class SampledFisherGradientsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Size = 160;
    private static readonly DistillationOptions Options = new() { ImageSize = Size, Threads = 2 };

    private static IReadOnlyList<string> Images(int first, int count) => Enumerable.Range(first, count).Select(Yolov5nGraphs.Coco).ToList();

    private static ChannelGradientSource Source(IReadOnlyList<string> images) =>
        (model, tensors) => new TorchTrainingBackend().ChannelGradients(model, tensors, images, Options, CancellationToken.None);

    private static string[] ConvInputs(ChannelPruner pruner) =>
        pruner.Graph.PrunableGroups.SelectMany(g => g.Members).Where(m => m.Role == MemberRole.ConvInput).Select(m => m.Tensor).Distinct().ToArray();

    [Fact]
    public void Every_tensor_gets_non_zero_gradients_an_image_a_row_and_the_same_seed_gives_the_same_values()
    {
        var model = Yolov5nGraphs.Working(Size);
        var tensors = ConvInputs(new ChannelPruner(model));
        var images = Images(0, 3);

        var first = Source(images)(model, tensors);
        var second = Source(images)(model, tensors);

        Assert.Equal(tensors.Length, first.Count);
        foreach (var name in tensors)
        {
            Assert.Equal(3 * SampledFisherGradients.Samples, first[name].Rows);
            Assert.Contains(first[name].ActivationTimesGradient.SelectMany(r => r), v => v != 0);
            Assert.Equal(first[name].ActivationTimesGradient, second[name].ActivationTimesGradient);
            Assert.Equal(first[name].Gradient, second[name].Gradient);
        }
    }

    /// <summary>Removing each group's lowest-scored channels must change the detections less than removing as many of
    /// its highest-scored ones: the scores carry the signal they claim (a sign or position error would reverse it). The
    /// test prints the same measure for other criteria's choices at the same counts (docs/pruning.md quotes it).</summary>
    [Fact]
    public void Removing_the_lowest_taylor_scores_changes_the_detections_less_than_removing_the_highest()
    {
        var model = Yolov5nGraphs.Working(Size);
        var calibration = Images(0, 8);
        var inputs = calibration.Select(f => Yolov5nGraphs.Letterboxed(f, Size)).ToList();
        var heldOut = Images(8, 4).Select(f => Yolov5nGraphs.Letterboxed(f, Size)).ToList();
        var reference = heldOut.Select(x => Yolov5nGraphs.RunOnnxRuntime(model, x, Size)).ToList();
        var pruner = new ChannelPruner(model, inputs, threads: 2);
        var context = new ImportanceContext(pruner.Graph, pruner.Statistics, Source(calibration)(model, ConvInputs(pruner)));
        var pruned = pruner.Graph.PrunableGroups.Where(g => g.Size / 10 > 0).ToList();
        Dictionary<int, double[]> Scores(ChannelImportance importance) => pruned.ToDictionary(g => g.Id, g => importance.Score(g, context));

        // 10% of each group (exact counts), the highest-scored kept; recovered from the calibration images.
        double Distortion(Dictionary<int, double[]> scores)
        {
            var kept = pruned.ToDictionary(g => g.Id, g =>
                Enumerable.Range(0, g.Size).OrderByDescending(c => scores[g.Id][c]).ThenBy(c => c).Take(g.Size - g.Size / 10).Order().ToArray());
            var recovered = new CalibrationRecovery(pruner).Recover(pruner.Apply(new PrunePlan(kept)), new RecoveryOptions()).Model;
            // Objectness and class probabilities (columns 4 on of each 85-value row): what the detections are made of.
            double sum = 0;
            long count = 0;
            for (int i = 0; i < heldOut.Count; i++)
            {
                var output = Yolov5nGraphs.RunOnnxRuntime(recovered, heldOut[i], Size);
                for (int k = 0; k < output.Length; k++)
                    if (k % 85 >= 4) { sum += Math.Pow(output[k] - reference[i][k], 2); count++; }
            }
            return sum / count;
        }

        var taylor = Scores(new TaylorImportance());
        double lowestRemoved = Distortion(taylor), highestRemoved = Distortion(taylor.ToDictionary(s => s.Key, s => s.Value.Select(v => -v).ToArray()));
        output.WriteLine($"mean square change of the detection outputs, 10% of each group removed: taylor lowest {lowestRemoved:E2}, taylor highest {highestRemoved:E2}, " +
            string.Join(", ", new[] { PruneCriterion.Random, PruneCriterion.L1, PruneCriterion.ActivationVarianceWeighted }
                .Select(c => $"{c.ToSettingName()} {Distortion(Scores(ChannelImportance.Create(c, seed: 1))):E2}")));
        Assert.True(lowestRemoved < 0.8 * highestRemoved, $"lowest removed {lowestRemoved:E3}, highest removed {highestRemoved:E3}");
    }
}
