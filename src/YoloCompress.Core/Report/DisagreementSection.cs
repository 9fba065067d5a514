namespace YoloCompress.Core.Report;

/// <summary>The validation images where the two models disagree most, each as one inline PNG (data: URI, nothing
/// fetched); absent when the page was built without them (no validation set, or `report` without --model/--data).</summary>
internal static class DisagreementSection
{
    public static string Render(IReadOnlyList<DisagreementImage>? images)
    {
        if (images is null)
            return "";
        if (images.Count == 0)
            return Html.Section("disagreements", "Where the models disagree",
                Html.Paragraph("On every validation image the compressed model finds the same objects as the float one (same class, IoU at least 0.5).", "note"));
        var body = Html.Paragraph("The validation images where the compressed model's detections (right) differ most from the float model's (left), at the runtime's default thresholds; score: detections without a counterpart, plus 1 - IoU of each matched pair.", "note");
        foreach (var image in images)
            body += $"<figure class=\"disagreement\" data-file=\"{Html.Text(image.File)}\" data-score=\"{Html.Exact(image.Score)}\">"
                + $"<img src=\"data:image/png;base64,{Convert.ToBase64String(image.Png)}\" alt=\"{Html.Text(image.File)}: float and compressed detections\">"
                + $"<figcaption>{Html.Text(image.File)}: {image.FloatDetections} detections float, {image.CompressedDetections} compressed (score {Html.Number(image.Score, "0.##")})</figcaption></figure>\n";
        return Html.Section("disagreements", "Where the models disagree", body);
    }
}
