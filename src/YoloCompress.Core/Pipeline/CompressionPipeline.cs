using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Graph;
using YoloCompress.Core.IO;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Recovery;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Pipeline;

/// <summary>import -> (choose the input geometry) -> prune -> recover -> fold BatchNorm -> quantize -> validate -> emit.
/// One ONNX graph flows through every stage. Nothing is written until every stage has succeeded,
/// and then each output is written atomically, so a failed run leaves the previous outputs intact.</summary>
public static class CompressionPipeline
{
    public static CompressionOutcome Run(CompressionRequest request, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = request.Settings;
        var mode = settings.Quantization.Mode;
        OpsetConversion.CheckQuantization(settings.Opset, mode.ToSettingName(), mode.IsStaticInt8() || mode == QuantizationMode.Int8WeightOnly);
        bool auto = settings.InputSize is { Kind: InputSizeKind.Auto };
        if (auto && (request.ValidationSet is null || settings.MaxMapDrop is null))
            throw new YoloCompressException(DiagnosticCatalog.AutoInputSizeNeedsBudget,
                $"InputSize auto keeps the cheapest input whose final model stays within MaxMapDrop, so it needs {(request.ValidationSet is null ? "a validation set (ValidationSet / YoloCompressValidationSet / --data DIR)" : "")}{(request.ValidationSet is null && settings.MaxMapDrop is null ? " and " : "")}{(settings.MaxMapDrop is null ? "MaxMapDrop (for example 0.02)" : "")}");
        var onnxPath = Path.Combine(request.OutputDirectory, request.OutputName + ".onnx");
        var metadataPath = Path.Combine(request.OutputDirectory, request.OutputName + ".yolo.json");

        progress?.Report($"import {Path.GetFileName(request.ModelPath)}");
        // The float model at its own input is what every run is measured against, whatever geometry it ends at.
        var original = ModelSource.Load(request.ModelPath);
        var validation = request.ValidationSet is null ? null : new ModelValidator(request.ValidationSet);
        progress?.Report("measure the float model");
        var originalFolded = original.Folded();
        var originalBytes = originalFolded.ToByteArray();
        var before = Measure(originalFolded, originalBytes, validation, cancellation);

        GeometrySearchResult? search = null;
        Compressed result;
        if (auto)
        {
            search = GeometrySearch.Run(original, request, validation!, before, (geometry, quiet) =>
                CompressAt(ModelSource.Load(request.ModelPath, geometry), request, validation, before, quiet ? null : progress, cancellation),
                progress, cancellation);
            result = search.ChosenModel;
        }
        else
        {
            var source = settings.InputSize is { } size ? ModelSource.Load(request.ModelPath, size) : original;
            result = CompressAt(source, request, validation, before, progress, cancellation);
        }

        progress?.Report("measure the compressed model");
        var after = Measure(result.Model, result.Bytes, validation, cancellation, result.Source.Geometry, validation?.ImageSizes);
        // Both models timed round by round once both exist, so machine load between the stages cannot decide the ratio.
        var latency = YoloCompress.Runtime.LatencyBenchmark.Compare(originalBytes, result.Bytes, threads: 1, runs: LatencyRounds, warmup: 2);
        (before, after) = (before with { LatencyMs = latency.First.MedianMs }, after with { LatencyMs = latency.Second.MedianMs });
        var metadata = CompressionMetadata.Create(request, result.Source, result.Quantization.Report, result.Pruned, before, after, search);
        cancellation.ThrowIfCancellationRequested();
        AtomicFile.WriteAllBytes(onnxPath, result.Bytes);
        AtomicFile.WriteAllText(metadataPath, metadata);
        return new CompressionOutcome(onnxPath, metadataPath, before, after) { Geometry = search, Latency = latency };
    }

    /// <summary>One run of the stages at one input geometry: prune -> recover -> fold -> quantize, the model not yet
    /// written. Per-image-shape models are pruned and re-estimated on images letterboxed to their largest (square)
    /// input, which one batch of segmented passes needs, and calibrated for quantization on each image's own rectangle,
    /// the shapes they will run at.</summary>
    internal static Compressed CompressAt(ModelSource source, CompressionRequest request, ModelValidator? validation,
        ModelMetrics before, IProgress<string>? progress, CancellationToken cancellation)
    {
        var settings = request.Settings;
        var mode = settings.Quantization.Mode;
        var geometry = source.Geometry;
        var baseline = source.Folded();
        // Null without images: the pruner then prunes without recovery (or refuses a criterion that needs
        // activations) and the quantizer refuses static int8, each naming its setting.
        var files = request.CalibrationImages;
        var calibration = files.Count > 0 ? CalibrationImages.Letterboxed(files, geometry) : null;
        var square = files.Count > 0 && geometry.IsPerImage ? CalibrationImages.Letterboxed(files, InputGeometry.Fixed(geometry.Width, geometry.Height)) : calibration;

        var working = source.WorkingGraph;
        PruneResult? pruned = null;
        if (settings.Prunes)
        {
            pruned = PruneAndRecover.Run(working, square, files, settings, progress, cancellation);
            working = pruned.Model;
        }
        cancellation.ThrowIfCancellationRequested();

        if (mode == QuantizationMode.Int8Qat && square is not null)
            working = QuantizationAwareFineTuning.Run(source.WorkingGraph, working, pruned?.KeptPositions ?? new Dictionary<string, int[]>(),
                square, files, settings, progress, cancellation);
        cancellation.ThrowIfCancellationRequested();

        var folded = ReferenceEquals(working, source.WorkingGraph) ? baseline : BatchNormFolding.Fold(working);
        progress?.Report($"quantize: {settings.Quantization.Mode.ToSettingName()}");
        var (quantized, validatedMap) = Quantize(folded, settings, calibration, validation, before, progress, cancellation);
        var output = quantized.Model;
        CopyMetadata(baseline, output);
        output = DecodeConstants.ExpandForOldConsumers(OpsetConversion.Convert(output, settings.EmittedOpset));
        return new Compressed(source, output, OnnxSerializer.Serialize(output), quantized, pruned, validatedMap);
    }

    /// <summary>The quantize stage. With <c>HeadConvs</c> <c>auto</c>, an int8 model and a validation set, the graph is
    /// quantized with float and with int8 head convs and both are validated: the int8 heads (faster) are kept when they
    /// lose at most <see cref="HeadConvPrecisions.AutoMaxExtraDrop"/> of mAP@0.5:0.95 more than the float heads and stay
    /// within MaxMapDrop. Accuracy decides, never a timing, so the same inputs give the same choice and the same bytes.
    /// Both variants come from one calibration pass.</summary>
    private static (QuantizationResult Result, double? Map50To95) Quantize(ModelProto folded, CompressionSettings settings, IEnumerable<float[]>? calibration,
        ModelValidator? validation, ModelMetrics before, IProgress<string>? progress, CancellationToken cancellation)
    {
        var options = settings.Quantization;
        QuantizationResult With(HeadConvPrecision heads) =>
            ModelQuantizer.Quantize(folded, options with { HeadConvs = heads }, settings.Calibration, calibration, cancellation);
        if (options.HeadConvs != HeadConvPrecision.Auto || options.Mode != QuantizationMode.Int8 || calibration is null || validation is null
            || before.Map50To95 is not { } reference)
            return (With(options.HeadConvs == HeadConvPrecision.Int8 ? HeadConvPrecision.Int8 : HeadConvPrecision.Float), null);

        var variants = QdqQuantizer.QuantizeEach(folded, [options with { HeadConvs = HeadConvPrecision.Float }, options with { HeadConvs = HeadConvPrecision.Int8 }],
            calibration, ModelQuantizer.CalibrationFor(options, settings.Calibration), cancellation);
        var (floatHeads, int8Heads) = (variants[0], variants[1]);
        // The input geometry (imgsz) is metadata: each variant is validated as it will be written.
        CopyMetadata(folded, floatHeads.Model);
        CopyMetadata(folded, int8Heads.Model);
        double floatMap = validation.Evaluate(OnnxSerializer.Serialize(floatHeads.Model), cancellation).Map50To95;
        double int8Map = validation.Evaluate(OnnxSerializer.Serialize(int8Heads.Model), cancellation).Map50To95;
        bool int8 = floatMap - int8Map <= HeadConvPrecisions.AutoMaxExtraDrop
            && (settings.MaxMapDrop is not { } budget || reference - int8Map <= budget);
        progress?.Report(FormattableString.Invariant(
            $"HeadConvs auto: mAP@0.5:0.95 {int8Map:0.0000} with int8 head convs, {floatMap:0.0000} with float ones: {(int8 ? "int8" : "float")}"));
        return int8 ? (int8Heads, int8Map) : (floatHeads, floatMap);
    }

    /// <summary>Interleaved rounds of the float and the compressed model that give the run's latency figures.</summary>
    private const int LatencyRounds = 10;

    /// <summary>Size, FLOPs and accuracy; latency comes from the interleaved comparison once both models exist. FLOPs of
    /// a per-image-shape model are the mean over the validation images' rectangles (conv FLOPs scale with the input's
    /// area), or at its largest input without them.</summary>
    private static ModelMetrics Measure(ModelProto model, byte[] bytes, ModelValidator? validation, CancellationToken cancellation,
        InputGeometry? geometry = null, IReadOnlyList<(int Width, int Height)>? images = null)
    {
        var stats = ModelStatistics.Compute(model);
        var accuracy = validation?.Evaluate(bytes, cancellation);
        double flops = geometry is { } g ? stats.GigaFlops * GeometryCost.AreaFraction(g, images) : stats.GigaFlops;
        return new ModelMetrics(bytes.LongLength, stats.Parameters, flops, accuracy?.Map50, accuracy?.Map50To95, LatencyMs: null) { PerClass = accuracy?.PerClass };
    }

    /// <summary>The reference exporter's metadata (names, stride, input size) must survive every stage:
    /// consumers read class names from it.</summary>
    private static void CopyMetadata(ModelProto from, ModelProto to)
    {
        foreach (var entry in from.MetadataProps)
            ModelMetadata.Set(to, entry.Key, entry.Value);
    }
}

/// <summary>A model compressed at one geometry, before it is measured and written.</summary>
/// <param name="ValidatedMap50To95">The model's mAP when the quantize stage already validated it (HeadConvs auto), else null.</param>
internal sealed record Compressed(ModelSource Source, ModelProto Model, byte[] Bytes, QuantizationResult Quantization, PruneResult? Pruned,
    double? ValidatedMap50To95);
