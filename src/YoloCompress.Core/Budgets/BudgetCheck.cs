using System.Globalization;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;

namespace YoloCompress.Core.Budgets;

/// <summary>Compares a compression's outcome with the budgets in its settings: MaxSize and
/// MaxMapDrop are errors (the build fails), MaxLatency a warning (timings vary with the machine
/// the build runs on, so a slow build agent must not fail the build).</summary>
public static class BudgetCheck
{
    /// <summary>Problems found before compressing: budgets that cannot be checked.</summary>
    public static IReadOnlyList<Diagnostic> CheckInputs(ResolvedProfile profile, string? validationSet)
    {
        var problems = new List<Diagnostic>();
        if (profile.Settings.MaxMapDrop is { } drop && validationSet is null)
        {
            problems.Add(new Diagnostic(DiagnosticCatalog.MapBudgetNeedsValidationSet,
                string.Create(CultureInfo.InvariantCulture,
                    $"MaxMapDrop is {drop} ({OriginOf(profile, "MaxMapDrop")}) but no validation set was given; give one (--data, YoloCompressValidationSet or ValidationSet metadata) or remove the budget"),
                profile.Sources.GetValueOrDefault("MaxMapDrop")));
        }
        return problems;
    }

    /// <summary>Budget problems of a finished compression.</summary>
    public static IReadOnlyList<Diagnostic> CheckOutcome(ResolvedProfile profile, CompressionOutcome outcome, string modelName)
    {
        var settings = profile.Settings;
        var problems = new List<Diagnostic>();
        if (settings.MaxSize is { } maxSize && outcome.After.FileBytes > maxSize)
        {
            problems.Add(new Diagnostic(DiagnosticCatalog.SizeBudgetExceeded,
                $"{modelName}: the compressed model is {FormatSize(outcome.After.FileBytes)} ({outcome.After.FileBytes} bytes), over MaxSize {FormatSize(maxSize)} ({maxSize} bytes) set by {OriginOf(profile, "MaxSize")}",
                profile.Sources.GetValueOrDefault("MaxSize")));
        }
        if (settings.MaxMapDrop is { } maxDrop && outcome.Before.Map50To95 is { } before && outcome.After.Map50To95 is { } after && before - after > maxDrop)
        {
            problems.Add(new Diagnostic(DiagnosticCatalog.MapBudgetExceeded,
                string.Create(CultureInfo.InvariantCulture,
                    $"{modelName}: mAP@0.5:0.95 fell from {before:0.0000} to {after:0.0000} (a drop of {before - after:0.0000}), over MaxMapDrop {maxDrop} set by {OriginOf(profile, "MaxMapDrop")}"),
                profile.Sources.GetValueOrDefault("MaxMapDrop")));
        }
        if (settings.MaxLatency is { } maxLatency && outcome.After.LatencyMs is { } latency && latency > maxLatency)
        {
            problems.Add(new Diagnostic(DiagnosticCatalog.LatencyBudgetExceeded,
                string.Create(CultureInfo.InvariantCulture,
                    $"{modelName}: one inference takes {latency:0.0} ms on this machine, over MaxLatency {maxLatency} ms set by {OriginOf(profile, "MaxLatency")}"),
                profile.Sources.GetValueOrDefault("MaxLatency")));
        }
        return problems;
    }

    /// <summary>"2.4 MB" style, binary units like the MaxSize parser.</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.##} GB"),
        >= 1024L * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.##} MB"),
        >= 1024L => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.#} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };

    private static string OriginOf(ResolvedProfile profile, string setting) =>
        profile.Sources.TryGetValue(setting, out var origin) ? origin.ToString() : "the defaults";
}
