using Onnx;
using TorchSharp;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Torch.Native;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace YoloCompress.Torch.Training;

/// <summary>Channel gradients for <see cref="TaylorImportance"/>, without labels: the model's Detect logits scored
/// against labels drawn from its own output distribution (objectness and classes Bernoulli, box offsets Gaussian with the
/// variance the distillation loss's box weight implies; box and class terms weighted by the predicted objectness, as the
/// distillation loss weights them). Such a loss has the gradient's second moment of the true Fisher information, where the
/// model scored against its own expected outputs has no gradient at all. One image at a time, in eval mode (BN uses its
/// running statistics), deterministic for the same seed and thread count.</summary>
internal static class SampledFisherGradients
{
    /// <summary>Label draws an image: each is a row of the result (the Fisher score averages its square over rows).</summary>
    public const int Samples = 4;

    public static IReadOnlyDictionary<string, ChannelGradients> Compute(ModelProto model, IReadOnlyCollection<string> tensors,
        IReadOnlyList<string> imageFiles, DistillationOptions options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        options.Validate();
        TorchNativeLoader.EnsureLoaded();
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        // A generator of its own: the global one is shared with whatever else runs torch in this process.
        using var generator = new torch.Generator((ulong)options.Seed);
        var head = DetectHead.Find(model);
        var names = tensors.ToArray();
        var images = new DistillationImages(imageFiles, options.ImageSize);
        int rows = images.Count * Samples;
        var sums = names.ToDictionary(n => n, _ => (ActivationTimesGradient: new double[rows][], Gradient: new double[rows][]), StringComparer.Ordinal);

        using var module = new GraphModule(model);
        module.Eval();
        var unused = new Random(0); // no augmentation draws from it
        for (int image = 0; image < images.Count; image++)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var values = module.Forward(images.Batch([image], unused, augment: false), [.. head.Outputs, .. names]);
            var logits = head.Outputs.Select(o => values[o]).ToList();
            var activations = names.Select(n => values[n]).ToList();
            for (int sample = 0; sample < Samples; sample++)
            {
                var gradients = torch.autograd.grad([SampledLoss(logits, head.Anchors, generator)], activations, retain_graph: sample < Samples - 1, allow_unused: true);
                int row = image * Samples + sample;
                for (int i = 0; i < names.Length; i++)
                {
                    var a = activations[i].detach();
                    var g = gradients[i] is { } t && t.numel() > 0 ? t : zeros_like(a);
                    sums[names[i]].ActivationTimesGradient[row] = ToDoubles((a * g).sum([0, 2, 3]));
                    sums[names[i]].Gradient[row] = ToDoubles(g.sum([0, 2, 3]));
                }
            }
        }
        return sums.ToDictionary(s => s.Key, s => new ChannelGradients(s.Value.ActivationTimesGradient, s.Value.Gradient), StringComparer.Ordinal);
    }

    private static Tensor SampledLoss(IReadOnlyList<Tensor> levels, int anchors, torch.Generator generator)
    {
        var z = DistillationLoss.Rows(levels, anchors);
        var p = sigmoid(z).detach();
        var objectness = p[.., 4];
        var objectnessLoss = F.binary_cross_entropy_with_logits(z[.., 4], bernoulli(objectness, generator), reduction: nn.Reduction.Sum);
        var classLoss = (F.binary_cross_entropy_with_logits(z[.., 5..], bernoulli(p[.., 5..], generator), reduction: nn.Reduction.None).sum(1) * objectness).sum();
        // w (x - y)^2 is the negative log-likelihood of a Gaussian of variance 1 / (2 w) around x.
        var noise = randn(p[.., ..4].shape, generator: generator) * Math.Sqrt(1 / (2 * DistillationLoss.BoxWeight));
        var boxLoss = ((sigmoid(z[.., ..4]) - (p[.., ..4] + noise)).square().sum(1) * objectness).sum() * DistillationLoss.BoxWeight;
        return objectnessLoss + classLoss + boxLoss;
    }

    private static double[] ToDoubles(Tensor t) => t.to_type(ScalarType.Float64).data<double>().ToArray();
}
