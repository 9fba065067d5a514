using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Compress;

/// <summary>Which exceptions are the input's fault and so end in a one-line message naming what is wrong: the coded
/// <see cref="YoloCompressException"/>s (checkpoint and graph errors among them), a damaged image, a file that cannot
/// be read, a setting a stage refuses. Any other exception is a bug in the tool, reported with its stack trace.</summary>
public static class ExpectedFailure
{
    public static bool Is(Exception e) => e is YoloCompressException
        or IOException or InvalidDataException or ArgumentException or FormatException or UnauthorizedAccessException
        or NotSupportedException or InvalidOperationException
        or Microsoft.ML.OnnxRuntime.OnnxRuntimeException;
}
