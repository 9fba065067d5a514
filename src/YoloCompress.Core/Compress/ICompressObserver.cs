using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;

namespace YoloCompress.Core.Compress;

/// <summary>What a <see cref="Compressor"/> run tells its caller as it goes, so that a command line or a build
/// can print diagnostics before the long work, not after it.</summary>
public interface ICompressObserver
{
    /// <summary>Every input was checked: this is what will run.</summary>
    void Begin(CompressionRequest request, ResolvedProfile profile);

    void Report(Diagnostic diagnostic);

    void Progress(string line);

    /// <summary>The cache key the run looked up (only with a cache).</summary>
    void CacheKey(string key);

    /// <summary>A failure that is not one of the coded, expected ones: a bug, with everything needed to report it.</summary>
    void Bug(Exception exception);
}
