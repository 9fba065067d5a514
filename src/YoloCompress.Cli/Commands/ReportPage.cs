using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Report;

namespace YoloCompress.Cli.Commands;

/// <summary>NAME.report.html after a successful compress: built from the NAME.yolo.json just put in place, with
/// the latencies this run measured (which NAME.yolo.json does not hold). Without --report a stale page is removed,
/// so a folder never holds a page describing another model than the one beside it.</summary>
internal static class ReportPage
{
    /// <summary>The page's path, or null when it was not asked for; a problem is a diagnostic, passed to <paramref name="report"/>.</summary>
    public static string? Write(CompressionOutcome written, bool enabled, Action<Diagnostic> report)
    {
        var page = Path.ChangeExtension(Path.ChangeExtension(written.MetadataPath, null), ".report.html");
        try
        {
            if (!enabled)
            {
                File.Delete(page);
                return null;
            }
            return CompressionReport.Write(written.MetadataPath, new MeasuredLatency(written.Before.LatencyMs, written.After.LatencyMs));
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
}
