using YoloCompress.Core.Compress;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Report;

namespace YoloCompress.Cli.Commands;

/// <summary>NAME.report.html after a successful compress: built from the NAME.yolo.json just put in place, with
/// the latencies this run measured (which NAME.yolo.json does not hold) and, with a validation set, the images where
/// the two models disagree most. Without --report a stale page is removed, so a folder never holds a page
/// describing another model than the one beside it.</summary>
internal static class ReportPage
{
    /// <summary>The page's path, or null when it was not asked for; a problem is a diagnostic, passed to <paramref name="report"/>.</summary>
    public static string? Write(CompressionOutcome written, CompressOptions options, Action<Diagnostic> report, Action<string> progress)
    {
        var page = Path.ChangeExtension(Path.ChangeExtension(written.MetadataPath, null), ".report.html");
        try
        {
            if (!options.Report)
            {
                File.Delete(page);
                return null;
            }
            var latency = new MeasuredLatency(written.Before.LatencyMs, written.After.LatencyMs, written.Latency?.ToString());
            return CompressionReport.Write(written.MetadataPath, latency, Disagreements(options.Job, written.OnnxPath, progress));
        }
        catch (YoloCompressException e)
        {
            report(e.Diagnostic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            report(new Diagnostic(DiagnosticCatalog.OutputNotWritten, $"Cannot write {page}: {e.Message}"));
        }
        return null;
    }

    /// <summary>The images to show, or null without a validation set. A failure here leaves the section out rather
    /// than the run: the model and its metadata are written and checked, this is a view of them.</summary>
    private static IReadOnlyList<DisagreementImage>? Disagreements(CompressJob job, string onnx, Action<string> progress)
    {
        if (job.ValidationSet is not { Length: > 0 } data)
            return null;
        try
        {
            progress("report: compare the float and the compressed model on the validation images");
            return ModelDisagreement.Find(job.Model, onnx, data);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException)
        {
            progress($"report: the images where the models disagree are left out ({e.GetType().Name}: {e.Message})");
            return null;
        }
    }
}
