using Microsoft.Build.Utilities;

namespace YoloCompress.Build.Tasks;

/// <summary>The codes the tasks report themselves, before the compressor runs. The task assembly
/// does not reference YoloCompress.Core (MSBuild must not load the engine), so they are repeated
/// here; a test checks they match YoloCompress.Core.Diagnostics.DiagnosticCatalog.</summary>
internal static class BuildDiagnostics
{
    public const string ModelNotFound = "YC0010";
    public const string UnsupportedModel = "YC0011";
    public const string CalibrationImageNotFound = "YC0013";
    public const string ValidationSetInvalid = "YC0014";
    public const string InvalidOutputName = "YC0015";
    public const string CompressorNotFound = "YC0041";
    public const string CompressorFailed = "YC0042";

    /// <summary>An error at the project file, the only place MSBuild items can be traced to.</summary>
    public static void Error(TaskLoggingHelper log, string code, string projectFile, string message) =>
        log.LogError(subcategory: null, errorCode: code, helpKeyword: null, file: projectFile,
            lineNumber: 0, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: message);
}
