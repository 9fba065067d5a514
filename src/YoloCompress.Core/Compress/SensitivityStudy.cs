using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Pruning;
using YoloCompress.Core.Recovery;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Compress;

/// <summary>What a sensitivity study measures: labelled images per trial, the ratios tried per group and the
/// drop the proposal must stay within.</summary>
public sealed record SensitivityQuestion(int LabelledImages, IReadOnlyList<double> Ratios, double TargetDrop);

/// <summary>The sensitivity table and the measured proposal for the target drop.</summary>
public sealed record SensitivityAnswer(SensitivityTable Table, RatioProposal Proposal);

/// <summary>The `sensitivity` use case: the same inputs, profile and settings as <see cref="Compressor"/> (the job's
/// model, calibration images, validation set, InputSize, PruneCriterion, PruneRoundTo, PruneProtect), then each
/// group pruned alone at each ratio (recovered without BN re-estimation, for speed) and a proposal verified with
/// full recovery.</summary>
public static class SensitivityStudy
{
    public static SensitivityAnswer Run(CompressJob job, SensitivityQuestion question, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(question);
        var (request, _) = CompressJobInputs.Prepare(job, Path.GetFullPath(job.OutputDirectory));
        if (request.ValidationSet is null)
            throw new ArgumentException("sensitivity needs a labelled set to measure drops on (--data DIR)");
        var settings = request.Settings;
        var source = ModelSource.Load(request.ModelPath, settings.InputSize);
        var dataset = YoloDataset.Load(request.ValidationSet).Subset(question.LabelledImages);
        var calibration = request.CalibrationImages.Count > 0 ? CalibrationImages.Letterboxed(request.CalibrationImages, source.Geometry) : null;
        var pruner = new ChannelPruner(source.WorkingGraph, calibration);
        var recovery = new CalibrationRecovery(pruner);

        double Evaluate(ModelProto m)
        {
            using var detector = new YoloDetector(BatchNormFolding.Fold(m).ToByteArray());
            return new MapEvaluator().Evaluate(detector, dataset).Map50To95;
        }
        ModelProto Recover(PruneResult pruned, RecoveryOptions options) => recovery.Recover(pruned, options).Model;

        var table = SensitivityAnalysis.Measure(pruner, p => Recover(p, settings.Recovery with { MatchStatistics = false }),
            Evaluate, question.Ratios, settings.Pruning, progress);
        var proposal = SensitivityAnalysis.ProposeAndVerify(pruner, p => Recover(p, settings.Recovery), table, question.TargetDrop,
            Evaluate, settings.Pruning, progress: progress);
        return new SensitivityAnswer(table, proposal);
    }
}
