using System.Diagnostics;
using Onnx;
using TorchSharp;
using YoloCompress.Core.Recovery;
using YoloCompress.Torch.Native;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Training;

/// <summary>Knowledge distillation of a compressed YOLO graph (pruned, fake-quantized, or both) from the float
/// model it came from, on unlabelled images. The student learns the teacher's raw Detect outputs (the logits of
/// the Detect convs, before the decode), not the decoded [N, 5 + classes] output: the decoded boxes are in pixels
/// (hundreds) next to probabilities (below one), so one loss over them is ruled by the box terms, and the decode's
/// grids fix the input size the graph was built at, while the raw outputs train at any <see cref="DistillationOptions.ImageSize"/>.
/// Deterministic for the same inputs, options and thread count (seeded torch and a seeded augmentation stream;
/// CPU kernels with a fixed thread count reduce in a fixed order; TorchSharp does not expose
/// torch.use_deterministic_algorithms, and a different thread count may change the last bits).</summary>
public static class GraphDistiller
{
    private const double MaxGradientNorm = 10;

    /// <summary>Linear warm-up over the first tenth of the steps (three epochs at most), then a cosine down to a tenth
    /// of the peak. Without the warm-up the first steps, taken with momentum from a model the pruning just shook,
    /// undo much of what the calibration recovery had won before the loss starts to fall.</summary>
    internal static double LearningRate(double peak, int step, int warmupSteps, int totalSteps)
    {
        if (step < warmupSteps) return peak * (step + 1) / (warmupSteps + 1);
        double progress = totalSteps - warmupSteps <= 1 ? 1 : (double)(step - warmupSteps) / (totalSteps - warmupSteps - 1);
        return peak / 10 + (peak - peak / 10) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }

    /// <summary>Returns <paramref name="student"/> with trained weights (same graph structure).</summary>
    public static ModelProto Distill(ModelProto student, ModelProto teacher, IReadOnlyList<string> imageFiles, DistillationOptions options,
        IProgress<DistillationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Distill(student, teacher, imageFiles, options, progress, configure: null, epochEnd: null, features: null, cancellationToken);

    /// <summary>Distillation with the student fake-quantized as <paramref name="quantization"/> says (QAT; null: float), and
    /// intermediate tensors matched as <paramref name="features"/> say (null: the Detect outputs alone).</summary>
    public static ModelProto Distill(ModelProto student, ModelProto teacher, IReadOnlyList<string> imageFiles, DistillationOptions options,
        QuantizationAwareTraining? quantization, IProgress<DistillationProgress>? progress = null, CancellationToken cancellationToken = default,
        IReadOnlyList<FeatureMatch>? features = null) =>
        Distill(student, teacher, imageFiles, options, progress,
            quantization is null ? null : m => FakeQuantization.Apply(m, quantization.WeightBits, quantization.ActivationRanges, quantization.SignedActivations),
            epochEnd: null, features, cancellationToken);

    /// <summary><paramref name="configure"/> prepares the student module before training (e.g. fake quantization);
    /// <paramref name="epochEnd"/> receives the student as it stands after each epoch (benchmarks follow the curve).</summary>
    internal static ModelProto Distill(ModelProto student, ModelProto teacher, IReadOnlyList<string> imageFiles, DistillationOptions options,
        IProgress<DistillationProgress>? progress, Action<GraphModule>? configure, Action<int, ModelProto>? epochEnd,
        IReadOnlyList<FeatureMatch>? features, CancellationToken cancellationToken)
    {
        features ??= [];
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchNativeLoader.EnsureLoaded();
        var studentHead = DetectHead.Find(student);
        var teacherHead = DetectHead.Find(teacher);
        if (studentHead.Outputs.Count != teacherHead.Outputs.Count || studentHead.Anchors != teacherHead.Anchors || studentHead.Classes != teacherHead.Classes)
            throw new ArgumentException($"The student's Detect head ({studentHead.Outputs.Count} levels, {studentHead.Anchors} anchors, {studentHead.Classes} classes) " +
                $"does not match the teacher's ({teacherHead.Outputs.Count}, {teacherHead.Anchors}, {teacherHead.Classes}).", nameof(student));

        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        var random = new Random(options.Seed);
        var images = new DistillationImages(imageFiles, options.ImageSize);

        using var teacherModule = new GraphModule(teacher);
        using var studentModule = new GraphModule(student);
        configure?.Invoke(studentModule);
        teacherModule.Eval();
        studentModule.Train();
        studentModule.TrainBatchNormStatistics = options.TrainBatchNorm;
        int stepsPerEpoch = (images.Count + options.Batch - 1) / options.Batch;
        int totalSteps = stepsPerEpoch * options.Epochs;
        using optim.Optimizer optimizer = options.Optimizer == "adamw"
            ? optim.AdamW(studentModule.Parameters, options.LearningRate, weight_decay: 0)
            : optim.SGD(studentModule.Parameters, options.LearningRate, momentum: 0.9, nesterov: true);
        int warmupSteps = Math.Min(totalSteps / 10, 3 * stepsPerEpoch);

        var clock = Stopwatch.StartNew();
        int done = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, images.Count).ToArray();
            random.Shuffle(order);
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var indices = order.Skip(step * options.Batch).Take(options.Batch).ToArray();
                using var scope = NewDisposeScope();
                var input = images.Batch(indices, random, options.Augment);
                IReadOnlyDictionary<string, Tensor> t;
                using (no_grad()) t = teacherModule.Forward(input, [.. teacherHead.Outputs, .. features.Select(f => f.Tensor)]);
                var s = studentModule.Forward(input, [.. studentHead.Outputs, .. features.Select(f => f.Tensor)]);
                var terms = DistillationLoss.Compute(studentHead.Outputs.Select(o => s[o]).ToList(), teacherHead.Outputs.Select(o => t[o]).ToList(), studentHead.Anchors,
                    features.Select(f => (s[f.Tensor], f.Select(t[f.Tensor]))).ToList(), options.FeatureWeight);
                float loss = terms.Total.item<float>();
                if (!float.IsFinite(loss))
                    throw new InvalidOperationException($"Distillation diverged at epoch {epoch + 1}, step {step + 1} (loss {loss}): lower DistillLearningRate (now {options.LearningRate}).");
                foreach (var group in optimizer.ParamGroups) group.LearningRate = LearningRate(options.LearningRate, done, warmupSteps, totalSteps);
                optimizer.zero_grad();
                terms.Total.backward();
                // As YOLOv5 trains: a bounded step, so one batch with an outsized gradient (pruned layers whose
                // BN variance is tiny amplify it) cannot throw the weights off.
                nn.utils.clip_grad_norm_(studentModule.Parameters, MaxGradientNorm);
                optimizer.step();
                done++;
                if (progress is not null)
                {
                    var elapsed = clock.Elapsed;
                    progress.Report(new DistillationProgress(epoch + 1, options.Epochs, step + 1, stepsPerEpoch, loss,
                        terms.Box.item<float>(), terms.Objectness.item<float>(), terms.Class.item<float>(), terms.Features.item<float>(),
                        done * (double)options.Batch / elapsed.TotalSeconds, elapsed, elapsed / done * (totalSteps - done)));
                }
            }
            if (epochEnd is not null && epoch + 1 < options.Epochs)
            {
                studentModule.Eval();
                epochEnd(epoch + 1, studentModule.WriteTo(student));
                studentModule.Train();
            }
        }
        studentModule.Eval();
        FakeQuantization.Remove(studentModule);
        return studentModule.WriteTo(student);
    }
}
