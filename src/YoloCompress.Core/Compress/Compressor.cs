using YoloCompress.Core.Budgets;
using YoloCompress.Core.Caching;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.IO;
using YoloCompress.Core.Pipeline;

namespace YoloCompress.Core.Compress;

/// <summary>What a <see cref="Compressor"/> run ended with.</summary>
/// <param name="Outcome">The compression's figures (and where its files were made), when it ran or came from the cache.</param>
/// <param name="Cached">Whether the outcome came from the cache.</param>
/// <param name="Written">The outputs in place, when every check passed; null when nothing was written.</param>
public sealed record CompressResult(CompressionOutcome? Outcome, bool Cached, CompressionOutcome? Written);

/// <summary>The compress use case, the one entry point that the command line's compress and prune and the build
/// run: check every input and resolve the profile, look the work up in the cache, run the pipeline, check the
/// budgets, then publish the outputs. They are written only when everything passed, each atomically, so a
/// failed run leaves the previous outputs untouched. Expected failures are coded one-line diagnostics; anything
/// else is a bug, reported as one (<see cref="ICompressObserver.Bug"/>).</summary>
public sealed class Compressor(Func<CompressionRequest, IProgress<string>?, CancellationToken, CompressionOutcome> pipeline)
{
    /// <summary>How long a run waits for another process compressing the same key.</summary>
    public static readonly TimeSpan CacheLockTimeout = TimeSpan.FromMinutes(30);

    /// <summary>With the real pipeline.</summary>
    public Compressor() : this(CompressionPipeline.Run) { }

    public CompressResult Run(CompressJob job, ICompressObserver observer, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(observer);
        try
        {
            var outputDirectory = Path.GetFullPath(job.OutputDirectory);
            var (request, profile) = CompressJobInputs.Prepare(job, outputDirectory);
            observer.Begin(request, profile);
            // What killed runs left in the output folder goes first (a cancelled run removes its own).
            OutputStaging.SweepOrphans(outputDirectory);
            foreach (var warning in profile.Warnings)
                observer.Report(warning);

            var (outcome, cached, cleanup) = Compress(request, job, observer, cancellation);
            try
            {
                var problems = BudgetCheck.CheckOutcome(profile, outcome, request.OutputName);
                foreach (var problem in problems)
                    observer.Report(problem);
                if (problems.Any(p => p.Severity == DiagnosticSeverity.Error))
                    return new CompressResult(outcome, cached, null);
                return new CompressResult(outcome, cached, WriteOutputs(outcome, outputDirectory, request.OutputName));
            }
            finally
            {
                cleanup?.Invoke();
            }
        }
        catch (YoloCompressException e)
        {
            observer.Report(e.Diagnostic);
        }
        catch (OperationCanceledException)
        {
            observer.Report(new Diagnostic(DiagnosticCatalog.CompressionFailed, "Cancelled; the previous outputs are untouched"));
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            observer.Report(new Diagnostic(DiagnosticCatalog.CompressionFailed, $"Compressing {job.Model} failed: {e.Message}", ProjectOrigin(job)));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            observer.Report(new Diagnostic(DiagnosticCatalog.CompressionFailed,
                $"Compressing {job.Model} failed on a bug in YoloCompress ({e.GetType().Name}: {e.Message}); please report it with the trace below",
                ProjectOrigin(job)));
            observer.Bug(e);
        }
        return new CompressResult(null, false, null);
    }

    private static DiagnosticOrigin? ProjectOrigin(CompressJob job) =>
        job.Origin is { Length: > 0 } origin ? new DiagnosticOrigin(Path.GetFullPath(origin), "project") : null;

    // Returns the outcome (pointing at files to copy from), whether it came from the cache, and
    // what to delete once copied.
    private (CompressionOutcome Outcome, bool Cached, Action? Cleanup) Compress(
        CompressionRequest request, CompressJob job, ICompressObserver observer, CancellationToken cancellation)
    {
        var progress = new LineProgress(observer.Progress);
        if (job.CacheDirectory is not { Length: > 0 } cacheRoot)
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
            observer.Report(new Diagnostic(DiagnosticCatalog.CacheUnavailable, $"Cannot use the cache {cache.Root}: {e.Message}"));
            return CompressWithoutCache(request, progress, cancellation);
        }

        observer.CacheKey(key);
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
                var outcome = pipeline(request with { OutputDirectory = staging }, progress, cancellation);
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
        var staging = OutputStaging.Create(request.OutputDirectory);
        try
        {
            var outcome = pipeline(request with { OutputDirectory = staging }, progress, cancellation);
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
