using YoloCompress.Core.Quantization;

namespace YoloCompress.Core.Report;

/// <summary>What quantization did: the mode, the head convs' precision, how many nodes of each op compute in
/// integers, and the activations that keep the fewest integer levels over the range calibration saw (a step that
/// is large against its range is where int8 loses the most).</summary>
internal static class QuantizationSection
{
    private const int Coarsest = 12;

    public static string Render(ReportMetadata metadata)
    {
        if (metadata.Quantization is not { } quantization || quantization.Mode == "none")
            return Html.Section("quantization", "Quantization", Html.Paragraph("Not quantized: the model is float32.", "note"));
        var facts = Html.Table("quantization-facts", ["", ""],
        [
            Html.Cell("mode") + Html.ValueCell("quantization-mode", quantization.Mode, quantization.Mode),
            Html.Cell("activations") + Html.Cell(quantization.ActivationType ?? "float"),
            Html.Cell("calibration") + Html.Cell(quantization.Calibration is null ? "none" : $"{quantization.Calibration} on {quantization.CalibrationImages} images"),
            Html.Cell("head convs (Detect)") + Html.ValueCell("quantization-headConvs", quantization.HeadConvs ?? "", quantization.HeadConvs ?? "n/a"),
            Html.Cell("nodes kept float") + Html.Cell(Html.Exact(quantization.FloatNodes.Count)),
        ]);
        var nodes = quantization.QuantizedNodes.Count == 0 ? "" : Html.Table("quantized-nodes", ["op", "nodes computing in integers"],
            quantization.QuantizedNodes.OrderBy(n => n.Key, StringComparer.Ordinal)
                .Select(n => Html.Cell(n.Key) + Html.ValueCell($"quantized-{n.Key}", Html.Exact(n.Value), Html.Exact(n.Value))));
        return Html.Section("quantization", "Quantization", facts + nodes + Activations(quantization.Activations));
    }

    /// <summary>Integer levels spanning the observed range: (observed max - observed min) / scale. 255 is a full uint8
    /// range; a tensor calibrated to a range far wider than what it mostly holds keeps few.</summary>
    internal static double LevelsUsed(ActivationQuantizationRecord a) =>
        a.Scale > 0 ? (a.ObservedMax - a.ObservedMin) / a.Scale : 0;

    private static string Activations(IReadOnlyList<ActivationQuantizationRecord> activations)
    {
        var own = activations.Where(a => a.ParametersFrom is null).ToArray();
        if (own.Length == 0) return "";
        var coarsest = own.OrderBy(LevelsUsed).ThenBy(a => a.Tensor, StringComparer.Ordinal).Take(Coarsest);
        var intro = Html.Paragraph($"The {Math.Min(Coarsest, own.Length)} of {own.Length} calibrated activations with the largest step against the range calibration saw (fewest integer levels over it):", "note");
        return intro + Html.Table("coarsest-activations", ["tensor", "observed range", "chosen range", "scale", "zero point", "levels over observed"],
            coarsest.Select(a => Html.Cell(a.Tensor, "name")
                + Html.Cell($"{Html.Number(a.ObservedMin, "0.###")} .. {Html.Number(a.ObservedMax, "0.###")}")
                + Html.Cell($"{Html.Number(a.Min, "0.###")} .. {Html.Number(a.Max, "0.###")}")
                + Html.Cell(Html.Number(a.Scale, "0.#####"))
                + Html.Cell(Html.Exact(a.ZeroPoint))
                + Html.Cell(Html.Number(LevelsUsed(a), "0"))));
    }
}
