namespace YoloCompress.Core.Report;

/// <summary>What a section that needs accuracy shows when the run had no validation set: which figures are
/// missing and how to give the set, never an empty chart.</summary>
internal static class NeedsValidation
{
    /// <summary>The sections of the page that need a validation set, as the page names them.</summary>
    public static readonly string[] Sections = ["mAP before and after", "the MaxMapDrop budget", "Cost against accuracy", "AP per class"];

    public static string Note(string what) => Html.Paragraph(
        $"{Html.Text(what)} needs a validation set, and this run had none. Give a labelled folder (images/ and labels/ in YOLO format): "
        + $"{Html.Code("compress ... --data DIR")} on the command line, {Html.Code("ValidationSet=\"DIR\"")} on the YoloModel item or {Html.Code("YoloCompressValidationSet")} in the build.",
        "needs-validation");

    /// <summary>The page-level notice listing every section that needs a validation set.</summary>
    public static string Summary() => Html.Section("needs-validation", "Measured without a validation set",
        Html.Paragraph("These sections need a validation set: " + string.Join(", ", Sections.Select(Html.Text)) + ".", "needs-validation")
        + Note("Each of them"));
}
