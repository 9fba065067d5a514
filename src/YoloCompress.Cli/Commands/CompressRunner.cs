using YoloCompress.Core;
using YoloCompress.Core.Budgets;
using YoloCompress.Core.Caching;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.IO;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;

namespace YoloCompress.Cli.Commands;

/// <summary>Runs one `compress`: prepare (all checks), compress or take the cached result, check
/// budgets, then copy the outputs into place. The outputs are written only when everything
/// passed, each atomically, so a failed run leaves the previous outputs untouched.</summary>
internal sealed class CompressRunner(
    Func<CompressionRequest, IProgress<string>?, CancellationToken, CompressionOutcome> compressor,
    TextWriter output,
    TextWriter error)
{
    /// <summary>How long a run waits for another process compressing the same key.</summary>
    public static readonly TimeSpan CacheLockTimeout = TimeSpan.FromMinutes(30);

    public int Run(CompressOptions options, CancellationToken cancellation)
    {
        var report = new CompressReport(options, output, error);
        try
        {
            var outputDirectory = Path.GetFullPath(options.OutputDirectory);
            var (request, profile) = CompressInputs.Prepare(options, outputDirectory);
            report.Begin(request, profile);
            foreach (var warning in profile.Warnings)
                report.Add(warning);

            var (outcome, cached, cleanup) = Compress(request, options, report, cancellation);
            try
            {
                var problems = BudgetCheck.CheckOutcome(profile, outcome, request.OutputName);
                foreach (var problem in problems)
                    report.Add(problem);
                if (problems.Any(p => p.Severity == DiagnosticSeverity.Error))
                    return report.Finish(outcome, cached, written: null);

                var written = WriteOutputs(outcome, outputDirectory, request.OutputName);
                return report.Finish(outcome, cached, written);
            }
            finally
            {
                cleanup?.Invoke();
            }
        }
        catch (YoloCompressException e)
        {
            report.Add(e.Diagnostic);
            return report.Finish(null, false, null);
        }
        catch (Core.Graph.YoloGraphException e)
        {
            report.Add(e.Diagnostic); // YC0016 / YC0017: the message names the checkpoint and the layer
            return report.Finish(null, false, null);
        }
        catch (OperationCanceledException)
        {
            report.Add(new Diagnostic(DiagnosticCatalog.CompressionFailed, "Cancelled; the previous outputs are untouched"));
            return report.Finish(null, false, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            report.Add(new Diagnostic(DiagnosticCatalog.CompressionFailed, $"Compressing {options.Model} failed: {e.GetType().Name}: {e.Message}",
                options.Origin is { Length: > 0 } origin ? new DiagnosticOrigin(Path.GetFullPath(origin), "project") : null));
            report.Verbose(e.ToString());
            return report.Finish(null, false, null);
        }
    }

    // Returns the outcome (pointing at files to copy from), whether it came from the cache, and
    // what to delete once copied.
    private (CompressionOutcome Outcome, bool Cached, Action? Cleanup) Compress(
        CompressionRequest request, CompressOptions options, CompressReport report, CancellationToken cancellation)
    {
        var progress = new LineProgress(report.Progress);
        if (options.CacheDirectory is not { Length: > 0 } cacheRoot)
            return CompressWithoutCache(request, progress, cancellation);

        var cache = new CompressionCache(cacheRoot);
        var key = CompressionCacheKey.Compute(request, ToolVersion.Text);
        IDisposable keyLock;
        try
        {
            keyLock = cache.Lock(key, CacheLockTimeout, cancellation);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full cache folder must not fail the build: compress without it.
            report.Add(new Diagnostic(DiagnosticCatalog.CacheUnavailable, $"Cannot use the cache {cache.Root}: {e.Message}"));
            return CompressWithoutCache(request, progress, cancellation);
        }

        report.CacheKey = key;
        using (keyLock)
        {
            if (cache.TryGet(key) is { } hit)
            {
                cache.MarkUsed(key);
                return (hit.ToOutcome(cache.EntryPath(key)), true, null);
            }

            var staging = cache.NewStagingDirectory();
            try
            {
                var outcome = compressor(request with { OutputDirectory = staging }, progress, cancellation);
                if (!SameFolder(Path.GetDirectoryName(outcome.OnnxPath), staging) || !SameFolder(Path.GetDirectoryName(outcome.MetadataPath), staging))
                    throw new InvalidOperationException($"The pipeline wrote {outcome.OnnxPath} and {outcome.MetadataPath}, outside the folder it was given ({staging}).");
                OutcomeRecord.From(outcome).Save(staging);
                var published = cache.Publish(key, staging);
                cache.MarkUsed(key);
                cache.Trim(); // only after real work: a cache hit stays as cheap as a file copy
                return (published.ToOutcome(cache.EntryPath(key)), false, null);
            }
            finally
            {
                if (Directory.Exists(staging))
                    CompressionCache.TryDeleteDirectory(staging);
            }
        }
    }

    private (CompressionOutcome Outcome, bool Cached, Action? Cleanup) CompressWithoutCache(
        CompressionRequest request, IProgress<string> progress, CancellationToken cancellation)
    {
        // Compressed beside the outputs (same volume), copied into place only once budgets pass.
        var staging = Path.Combine(request.OutputDirectory, $".yolocompress-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            var outcome = compressor(request with { OutputDirectory = staging }, progress, cancellation);
            return (outcome, false, () => CompressionCache.TryDeleteDirectory(staging));
        }
        catch
        {
            CompressionCache.TryDeleteDirectory(staging);
            throw;
        }

    }

    private static bool SameFolder(string? a, string b) =>
        a is not null && string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    private static CompressionOutcome WriteOutputs(CompressionOutcome outcome, string outputDirectory, string name)
    {
        var onnx = Path.Combine(outputDirectory, name + ".onnx");
        var metadata = Path.Combine(outputDirectory, name + ".yolo.json");
        try
        {
            AtomicFile.WriteAllBytes(onnx, File.ReadAllBytes(outcome.OnnxPath));
            AtomicFile.WriteAllBytes(metadata, File.ReadAllBytes(outcome.MetadataPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new YoloCompressException(DiagnosticCatalog.OutputNotWritten, $"Cannot write the outputs to {outputDirectory}: {e.Message}", null, e);
        }
        return outcome with { OnnxPath = onnx, MetadataPath = metadata };
    }
}

/// <summary>Progress reported on the calling thread, in order (Progress&lt;T&gt; would post each line to the thread pool).</summary>
internal sealed class LineProgress(Action<string> write) : IProgress<string>
{
    public void Report(string value) => write(value);
}
