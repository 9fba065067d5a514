using YoloCompress.Core.Compress;

namespace YoloCompress.Cli.Commands;

/// <summary>What `compress` (or `prune`) was asked: the job, how to print its outcome, and whether to write
/// NAME.report.html beside the outputs.</summary>
internal sealed record CompressOptions(CompressJob Job, bool Json = false, bool MsBuild = false, bool Report = false);
