namespace YoloCompress.Core.Diagnostics;

/// <summary>Errors first, warnings only where the build can go on with a usable model.</summary>
public enum DiagnosticSeverity
{
    Warning,
    Error,
}

/// <summary>One diagnostic kind: a stable code, its severity and a one-line title (for docs).</summary>
public sealed record DiagnosticDescriptor(string Code, DiagnosticSeverity Severity, string Title);

/// <summary>Every diagnostic code YoloCompress reports, in one place. Codes are stable: never
/// renumber one, retire it instead. docs/diagnostics.md documents each (a test keeps them in step).</summary>
public static class DiagnosticCatalog
{
    // ---- settings and profiles: YC0001-YC0009 ------------------------------------------------
    public static readonly DiagnosticDescriptor UnknownSetting = Error("YC0001", "Unknown setting name");
    public static readonly DiagnosticDescriptor InvalidSettingValue = Error("YC0002", "Invalid setting value");
    public static readonly DiagnosticDescriptor UnknownProfile = Error("YC0003", "Unknown profile");
    public static readonly DiagnosticDescriptor ProfileCycle = Error("YC0004", "Profiles extend one another in a cycle");
    public static readonly DiagnosticDescriptor InvalidProfileFile = Error("YC0005", "yolocompress.json cannot be read or has the wrong shape");
    public static readonly DiagnosticDescriptor ProfileHidesBuiltIn = Error("YC0006", "A profile in yolocompress.json reuses a built-in profile name");
    public static readonly DiagnosticDescriptor UnusedProfileInvalid = Warning("YC0007", "A profile in yolocompress.json that this run does not use has a mistake");

    public static readonly DiagnosticDescriptor OpsetTooOld = Error("YC0008", "The model needs an operator that the Opset setting does not have");

    // ---- inputs: YC0010-YC0019 ---------------------------------------------------------------
    public static readonly DiagnosticDescriptor ModelNotFound = Error("YC0010", "Model file not found");
    public static readonly DiagnosticDescriptor UnsupportedModel = Error("YC0011", "Model file is not a .pt checkpoint or an .onnx model");
    public static readonly DiagnosticDescriptor NoCalibrationImages = Error("YC0012", "The profile needs calibration images and none were given");
    public static readonly DiagnosticDescriptor CalibrationImageNotFound = Error("YC0013", "Calibration image or list not found");
    public static readonly DiagnosticDescriptor ValidationSetInvalid = Error("YC0014", "Validation set not found or without images/ and labels/");
    public static readonly DiagnosticDescriptor InvalidOutputName = Error("YC0015", "Model name is empty, has invalid characters or is used twice");
    public static readonly DiagnosticDescriptor UnsupportedModule = Error("YC0016", "The checkpoint uses a module the graph builder does not know");
    public static readonly DiagnosticDescriptor ArchitectureMismatch = Error("YC0017", "The checkpoint's weights or modules disagree with its architecture (yaml)");
    public static readonly DiagnosticDescriptor SettingNotApplicable = Error("YC0018", "A setting does not apply to this model");
    public static readonly DiagnosticDescriptor TrainingBackendMissing = Error("YC0019", "The profile trains (Recovery distill, Quantization int8-qat) and the training backend is not installed");

    // ---- budgets: YC0020-YC0029 --------------------------------------------------------------
    public static readonly DiagnosticDescriptor SizeBudgetExceeded = Error("YC0020", "Compressed model is larger than MaxSize");
    public static readonly DiagnosticDescriptor MapBudgetExceeded = Error("YC0021", "mAP dropped by more than MaxMapDrop");
    public static readonly DiagnosticDescriptor MapBudgetNeedsValidationSet = Error("YC0022", "MaxMapDrop is set but no validation set was given");
    public static readonly DiagnosticDescriptor LatencyBudgetExceeded = Warning("YC0023", "Compressed model is slower than MaxLatency");
    public static readonly DiagnosticDescriptor AutoInputSizeNeedsBudget = Error("YC0024", "InputSize auto needs a validation set and MaxMapDrop to choose by");

    // ---- the run: YC0030-YC0039 --------------------------------------------------------------
    public static readonly DiagnosticDescriptor CompressionFailed = Error("YC0030", "The compression failed");
    public static readonly DiagnosticDescriptor CacheUnavailable = Warning("YC0031", "The compression cache could not be used; compressing without it");
    public static readonly DiagnosticDescriptor OutputNotWritten = Error("YC0032", "The outputs could not be written");
    public static readonly DiagnosticDescriptor ReportMetadataMissing = Error("YC0033", "The report's folder has no NAME.yolo.json, or it is not one this tool wrote");
    public static readonly DiagnosticDescriptor ReportSchemaMismatch = Error("YC0034", "The report's NAME.yolo.json has another schemaVersion than this tool reads");

    // ---- the build integration: YC0040-YC0049 ------------------------------------------------
    public static readonly DiagnosticDescriptor OnnxRuntimeTooOld = Error("YC0040", "The app's Microsoft.ML.OnnxRuntime cannot run the compressed model");
    public static readonly DiagnosticDescriptor CompressorNotFound = Error("YC0041", "The compressor could not be found or started");
    public static readonly DiagnosticDescriptor CompressorFailed = Error("YC0042", "The compressor exited with an error it did not describe");

    // ---- checkpoints: YC0050-YC0059 ----------------------------------------------------------
    public static readonly DiagnosticDescriptor CheckpointUnreadable = Error("YC0050", "The checkpoint is damaged or is not a PyTorch checkpoint");
    public static readonly DiagnosticDescriptor CheckpointNotYolov5 = Error("YC0051", "The checkpoint is not a YOLOv5 training checkpoint");

    /// <summary>All descriptors, by code.</summary>
    public static IReadOnlyList<DiagnosticDescriptor> All { get; } = typeof(DiagnosticCatalog)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .OrderBy(d => d.Code, StringComparer.Ordinal)
        .ToArray();

    private static DiagnosticDescriptor Error(string code, string title) => new(code, DiagnosticSeverity.Error, title);

    private static DiagnosticDescriptor Warning(string code, string title) => new(code, DiagnosticSeverity.Warning, title);
}
