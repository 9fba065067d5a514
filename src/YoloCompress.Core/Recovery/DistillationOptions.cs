namespace YoloCompress.Core.Recovery;

/// <summary>How the training backend distils (Recovery distill): the settings DistillEpochs, DistillImageSize,
/// DistillBatch, DistillLearningRate and Seed, with their defaults. The image size is independent of the size the
/// graphs were built at: distillation reads the Detect convolutions' outputs, before the size-bound decode.</summary>
public sealed record DistillationOptions
{
    /// <summary>Passes over the images. Default 60: on yolov5n with 64 images at 320 the whole pruned-distilled-int8
    /// run took 287 s on 2 cores, and held-out mAP was still rising slowly there (docs/training.md).</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Square training input, a multiple of the largest stride (32).</summary>
    public int ImageSize { get; init; } = 320;

    /// <summary>Default 2: with a few dozen images, small batches give the optimiser steps (batch 8 trained worse in the
    /// same time).</summary>
    public int Batch { get; init; } = 2;

    /// <summary>Peak learning rate, reached after a linear warm-up; it decays along a cosine to a tenth of this.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>"sgd" (Nesterov momentum 0.9, the default) or "adamw". BatchNorm keeps its running statistics while
    /// distilling, so a conv's output scales with its weights: SGD's steps follow the gradient's scale, while
    /// Adam moves every weight by about the learning rate whatever its size, which wrecks the small ones.</summary>
    public string Optimizer { get; init; } = "sgd";

    public int Seed { get; init; }

    /// <summary>torch intra-op threads; 0: torch's default (one a core).</summary>
    public int Threads { get; init; }

    /// <summary>Mosaics of four, horizontal flips and scale jitter with random placement (0.5x-1.5x) on the letterboxed image.</summary>
    public bool Augment { get; init; } = true;

    /// <summary>BatchNorm normalises with each batch's statistics while training (and updates its running ones), as
    /// YOLOv5 trains; off: it keeps the calibrated running statistics.</summary>
    public bool TrainBatchNorm { get; init; }

    /// <summary>Weight of the intermediate-feature term against the Detect-output terms (when features are matched).</summary>
    public double FeatureWeight { get; init; } = 5;

    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "DistillEpochs must be at least 1.");
        if (ImageSize < 32 || ImageSize % 32 != 0) throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "DistillImageSize must be a positive multiple of 32.");
        if (Batch < 1) throw new ArgumentOutOfRangeException(nameof(Batch), Batch, "DistillBatch must be at least 1.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "DistillLearningRate must be a positive number.");
        if (Optimizer is not ("sgd" or "adamw")) throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, "DistillOptimizer must be 'sgd' or 'adamw'.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be 0 (default) or more.");
    }
}

/// <summary>One optimisation step's report: the loss terms averaged over the step's batch, throughput and an
/// estimate of the time left from the mean step time so far.</summary>
public sealed record DistillationProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double BoxLoss,
    double ObjectnessLoss, double ClassLoss, double FeatureLoss, double ImagesPerSecond, TimeSpan Elapsed, TimeSpan Remaining);
