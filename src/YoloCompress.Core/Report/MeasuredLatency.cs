namespace YoloCompress.Core.Report;

/// <summary>Latency of the float and the compressed model, as the compress run measured it. Not in NAME.yolo.json
/// (a timing is never byte-identical), so only a page written by the run that measured it can show it.</summary>
/// <param name="BeforeMs">The float model's median, one thread.</param>
/// <param name="AfterMs">The compressed model's median, one thread.</param>
/// <param name="Ratio">After / before over the interleaved rounds: "0.61x (0.58-0.66)", the median and the 10th-90th
/// percentile of the per-round ratios; null when the run did not time both models together (a cached result).</param>
public readonly record struct MeasuredLatency(double? BeforeMs, double? AfterMs, string? Ratio = null);
