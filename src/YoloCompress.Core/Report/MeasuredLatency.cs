namespace YoloCompress.Core.Report;

/// <summary>Latency of the float and the compressed model, as the compress run measured it. Not in NAME.yolo.json
/// (a timing is never byte-identical), so only a page written by the run that measured it can show it.</summary>
public readonly record struct MeasuredLatency(double? BeforeMs, double? AfterMs);
