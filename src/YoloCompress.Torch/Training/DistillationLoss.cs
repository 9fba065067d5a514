using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace YoloCompress.Torch.Training;

/// <summary>The student's Detect logits against the teacher's, per anchor and cell. Objectness: binary cross-entropy
/// against the teacher's objectness probability, over every cell (what the teacher finds empty must stay empty).
/// Box and class: weighted by the teacher's objectness, so cells where the teacher sees nothing do not drown the
/// few that carry detections; box as the squared error of the sigmoid outputs the decode reads (xy offset, wh
/// ratio), class as cross-entropy against the teacher's class probabilities.</summary>
internal static class DistillationLoss
{
    public const double BoxWeight = 5, ObjectnessWeight = 1, ClassWeight = 1;

    public readonly record struct Terms(Tensor Total, Tensor Box, Tensor Objectness, Tensor Class, Tensor Features);

    /// <summary>Both lists: one [batch, anchors * (5 + classes), ny, nx] tensor a level. <paramref name="features"/>:
    /// intermediate (student, teacher) pairs of equal shape, each scored by its squared error relative to the
    /// teacher's mean square, so thin and wide layers, large and small activations count alike.</summary>
    public static Terms Compute(IReadOnlyList<Tensor> student, IReadOnlyList<Tensor> teacher, int anchors,
        IReadOnlyList<(Tensor Student, Tensor Teacher)>? features = null, double featureWeight = 0)
    {
        var s = Rows(student, anchors);
        var t = Rows(teacher, anchors);
        var tp = sigmoid(t);
        var weight = tp[.., 4];
        var normaliser = weight.sum() + 1e-6;

        var box = ((sigmoid(s[.., ..4]) - tp[.., ..4]).square().sum(1) * weight).sum() / normaliser;
        var objectness = F.binary_cross_entropy_with_logits(s[.., 4], weight);
        var cls = (F.binary_cross_entropy_with_logits(s[.., 5..], tp[.., 5..], reduction: nn.Reduction.None).mean([1]) * weight).sum() / normaliser;
        var total = box * BoxWeight + objectness * ObjectnessWeight + cls * ClassWeight;
        var feature = features is { Count: > 0 }
            ? stack(features.Select(f => (f.Student - f.Teacher).square().mean() / (f.Teacher.square().mean() + 1e-6)).ToArray()).mean()
            : zeros(1).squeeze();
        if (features is { Count: > 0 } && featureWeight > 0) total = total + feature * featureWeight;
        return new Terms(total, box, objectness, cls, feature);
    }

    /// <summary>All levels as one [predictions, 5 + classes] matrix.</summary>
    internal static Tensor Rows(IReadOnlyList<Tensor> levels, int anchors) =>
        cat(levels.Select(l =>
        {
            long b = l.shape[0], no = l.shape[1] / anchors;
            return l.reshape(b, anchors, no, -1).permute(0, 1, 3, 2).reshape(-1, no);
        }).ToArray(), 0);
}
