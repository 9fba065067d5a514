using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Graph;
using YoloCompress.Core.IO;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Recovery;

namespace YoloCompress.Core.Pipeline;

/// <summary>import -> prune -> recover -> fold BatchNorm -> quantize -> validate -> emit.
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
        var onnxPath = Path.Combine(request.OutputDirectory, request.OutputName + ".onnx");
        var metadataPath = Path.Combine(request.OutputDirectory, request.OutputName + ".yolo.json");

        progress?.Report($"import {Path.GetFileName(request.ModelPath)}");
        var source = ModelSource.Load(request.ModelPath, settings.InputSize);
        var baseline = source.Folded();
        // Null without images: the pruner then prunes without recovery (or refuses a criterion that needs
        // activations) and the quantizer refuses static int8, each naming its setting.
        var calibration = request.CalibrationImages.Count > 0 ? CalibrationImages.Letterboxed(request.CalibrationImages, source.InputSize) : null;
        var validation = request.ValidationSet is null ? null : new ModelValidator(request.ValidationSet);

        progress?.Report("measure the float model");
        var before = Measure(baseline, baseline.ToByteArray(), validation, cancellation);

        var working = source.WorkingGraph;
        PruneResult? pruned = null;
        if (settings.Prunes)
        {
            pruned = PruneAndRecover.Run(working, calibration, request.CalibrationImages, settings, progress, cancellation);
            working = pruned.Model;
        }
        cancellation.ThrowIfCancellationRequested();

        if (mode == QuantizationMode.Int8Qat && calibration is not null)
            working = QuantizationAwareFineTuning.Run(source.WorkingGraph, working, pruned?.KeptPositions ?? new Dictionary<string, int[]>(),
                calibration, request.CalibrationImages, settings, progress, cancellation);
        cancellation.ThrowIfCancellationRequested();

        var folded = ReferenceEquals(working, source.WorkingGraph) ? baseline : BatchNormFolding.Fold(working);
        progress?.Report($"quantize: {settings.Quantization.Mode.ToSettingName()}");
        var quantized = Quantize(folded, settings, calibration, validation, before, progress, cancellation);
        var output = quantized.Model;
        CopyMetadata(baseline, output);
        output = OpsetConversion.Convert(output, settings.EmittedOpset);
        var bytes = OnnxSerializer.Serialize(output);

        progress?.Report("measure the compressed model");
        var after = Measure(output, bytes, validation, cancellation);

        var metadata = CompressionMetadata.Create(request, source, quantized.Report, pruned, before, after);
        cancellation.ThrowIfCancellationRequested();
        AtomicFile.WriteAllBytes(onnxPath, bytes);
        AtomicFile.WriteAllText(metadataPath, metadata);
        return new CompressionOutcome(onnxPath, metadataPath, before, after);
    }

    /// <summary>The quantize stage. With <c>HeadConvs</c> <c>auto</c>, an int8 model and a validation set, the graph is
    /// quantized with float and with int8 head convs and both are validated: the int8 heads (faster) are kept when they
    /// lose at most <see cref="HeadConvPrecisions.AutoMaxExtraDrop"/> of mAP@0.5:0.95 more than the float heads and stay
    /// within MaxMapDrop. Accuracy decides, never a timing, so the same inputs give the same choice and the same bytes.
    /// Both variants come from one calibration pass.</summary>
    private static QuantizationResult Quantize(ModelProto folded, CompressionSettings settings, IEnumerable<float[]>? calibration,
        ModelValidator? validation, ModelMetrics before, IProgress<string>? progress, CancellationToken cancellation)
    {
        var options = settings.Quantization;
        QuantizationResult With(HeadConvPrecision heads) =>
            ModelQuantizer.Quantize(folded, options with { HeadConvs = heads }, settings.Calibration, calibration, cancellation);
        if (options.HeadConvs != HeadConvPrecision.Auto || options.Mode != QuantizationMode.Int8 || calibration is null || validation is null
            || before.Map50To95 is not { } reference)
            return With(options.HeadConvs == HeadConvPrecision.Int8 ? HeadConvPrecision.Int8 : HeadConvPrecision.Float);

        var variants = QdqQuantizer.QuantizeEach(folded, [options with { HeadConvs = HeadConvPrecision.Float }, options with { HeadConvs = HeadConvPrecision.Int8 }],
            calibration, ModelQuantizer.CalibrationFor(options, settings.Calibration), cancellation);
        var (floatHeads, int8Heads) = (variants[0], variants[1]);
        double floatMap = validation.Evaluate(OnnxSerializer.Serialize(floatHeads.Model), cancellation).Map50To95;
        double int8Map = validation.Evaluate(OnnxSerializer.Serialize(int8Heads.Model), cancellation).Map50To95;
        bool int8 = floatMap - int8Map <= HeadConvPrecisions.AutoMaxExtraDrop
            && (settings.MaxMapDrop is not { } budget || reference - int8Map <= budget);
        progress?.Report(FormattableString.Invariant(
            $"HeadConvs auto: mAP@0.5:0.95 {int8Map:0.0000} with int8 head convs, {floatMap:0.0000} with float ones: {(int8 ? "int8" : "float")}"));
        return int8 ? int8Heads : floatHeads;
    }

    private static ModelMetrics Measure(ModelProto model, byte[] bytes, ModelValidator? validation, CancellationToken cancellation)
    {
        var stats = ModelStatistics.Compute(model);
        var accuracy = validation?.Evaluate(bytes, cancellation);
        var latency = YoloCompress.Runtime.LatencyBenchmark.Measure(bytes, threads: 1, runs: 10, warmup: 2);
        return new ModelMetrics(bytes.LongLength, stats.Parameters, stats.GigaFlops, accuracy?.Map50, accuracy?.Map50To95, latency.MedianMs);
    }

    /// <summary>The reference exporter's metadata (names, stride, input size) must survive every stage:
    /// consumers read class names from it.</summary>
    private static void CopyMetadata(ModelProto from, ModelProto to)
    {
        foreach (var entry in from.MetadataProps)
            ModelMetadata.Set(to, entry.Key, entry.Value);
    }
}
