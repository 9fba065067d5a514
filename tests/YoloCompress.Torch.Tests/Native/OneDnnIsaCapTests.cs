using YoloCompress.Core.Pruning;
using YoloCompress.Torch.Native;
using YoloCompress.Torch.Tests.Training;
using YoloCompress.Torch.Training;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Tests.Native;

/// <summary>oneDNN's AVX-512 convolutions on AMD returned NaN now and then (see <see cref="OneDnnIsaCap"/>).</summary>
public class OneDnnIsaCapTests
{
    [Theory]
    [InlineData("AuthenticAMD", true, null, true)]
    [InlineData("AuthenticAMD", true, "AVX512_CORE", false)] // the user's own cap is never overridden
    [InlineData("AuthenticAMD", false, null, false)]
    [InlineData("GenuineIntel", true, null, false)]
    public void The_cap_applies_to_AMD_with_AVX512_only_and_never_over_the_users(string vendor, bool avx512, string? userValue, bool expected) =>
        Assert.Equal(expected, OneDnnIsaCap.IsNeeded(vendor, avx512, userValue));

    /// <summary>The case that failed on an AMD EPYC in 4 runs of 4 without the cap: a pruned yolov5n in training mode, with
    /// gradients, 20 forward passes of the same batch; the first non-finite tensor came out of a conv with finite inputs.</summary>
    [Fact]
    public void Twenty_training_forward_passes_of_a_pruned_student_stay_finite()
    {
        var student = new ChannelPruner(Yolov5nGraphs.Working(320)).Prune(new PruneOptions { Ratio = 0.25, Criterion = PruneCriterion.L1 }).Model;
        using var module = new GraphModule(student);
        set_num_threads(2);
        module.Train();
        var head = DetectHead.Find(student);
        for (int pass = 0; pass < 20; pass++)
        {
            using var scope = NewDisposeScope();
            var input = stack(Enumerable.Range(0, 4).Select(i => tensor(Yolov5nGraphs.Letterboxed(Yolov5nGraphs.Coco(i), 96), [3, 96, 96])).ToArray());
            var outputs = module.Forward(input, head.Outputs);
            Assert.All(head.Outputs, o => Assert.True(outputs[o].isfinite().all().item<bool>(), $"pass {pass}: {o} is not finite"));
        }
    }
}
