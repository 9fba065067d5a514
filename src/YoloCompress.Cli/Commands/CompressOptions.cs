using YoloCompress.Core.Compress;

namespace YoloCompress.Cli.Commands;

/// <summary>What `compress` (or `prune`) was asked: the job, and how to print its outcome.</summary>
internal sealed record CompressOptions(CompressJob Job, bool Json = false, bool MsBuild = false);
