using Google.Protobuf;
using SkiaSharp;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Pipeline;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Report;

/// <summary>One validation image where the compressed model's detections differ most from the float model's, drawn
/// side by side (float left, compressed right), downscaled so a few of them keep the page small.</summary>
/// <param name="File">The image's file name (no folder: the page holds no absolute path).</param>
/// <param name="Score">Detections without a counterpart (same class, IoU at least 0.5) plus 1 - IoU of each matched pair.</param>
public sealed record DisagreementImage(string File, double Score, int FloatDetections, int CompressedDetections, byte[] Png);

/// <summary>Runs the float and the compressed model on each validation image at the runtime's default thresholds (what
/// an app sees, not the mAP sweep) and keeps the images where they disagree most. Deterministic: ties go by file name.</summary>
public static class ModelDisagreement
{
    private const int PanelWidth = 320, Gap = 8;
    private const float MatchIou = 0.5f;

    public static IReadOnlyList<DisagreementImage> Find(string floatModel, string compressedOnnx, string validationSet, int count = 3, CancellationToken cancellation = default)
    {
        var dataset = YoloDataset.Load(validationSet);
        using var reference = new YoloDetector(ModelSource.Load(floatModel).Folded().ToByteArray());
        using var compressed = new YoloDetector(File.ReadAllBytes(compressedOnnx));
        var scored = new List<(YoloSample Sample, double Score, IReadOnlyList<Detection> A, IReadOnlyList<Detection> B)>();
        foreach (var sample in dataset.Samples)
        {
            cancellation.ThrowIfCancellationRequested();
            var image = RgbImage.Load(sample.ImagePath);
            var (a, b) = (reference.Detect(image), compressed.Detect(image));
            scored.Add((sample, Score(a, b), a, b));
        }
        return scored.Where(s => s.Score > 0)
            .OrderByDescending(s => s.Score).ThenBy(s => Path.GetFileName(s.Sample.ImagePath), StringComparer.Ordinal)
            .Take(count)
            .Select(s => new DisagreementImage(Path.GetFileName(s.Sample.ImagePath), Math.Round(s.Score, 4), s.A.Count, s.B.Count,
                SideBySide(RgbImage.Load(s.Sample.ImagePath), s.A, s.B)))
            .ToArray();
    }

    /// <summary>Greedy matching, best IoU first, within a class.</summary>
    internal static double Score(IReadOnlyList<Detection> a, IReadOnlyList<Detection> b)
    {
        var pairs = (from i in Enumerable.Range(0, a.Count)
                     from j in Enumerable.Range(0, b.Count)
                     where a[i].ClassId == b[j].ClassId
                     let iou = Iou(a[i].Box, b[j].Box)
                     where iou >= MatchIou
                     orderby iou descending, i, j
                     select (i, j, iou)).ToList();
        var (usedA, usedB) = (new HashSet<int>(), new HashSet<int>());
        double score = 0;
        foreach (var (i, j, iou) in pairs)
            if (!usedA.Contains(i) && !usedB.Contains(j))
            {
                usedA.Add(i);
                usedB.Add(j);
                score += 1 - iou;
            }
        return score + (a.Count - usedA.Count) + (b.Count - usedB.Count);
    }

    private static float Iou(BoundingBox p, BoundingBox q)
    {
        var inter = new BoundingBox(Math.Max(p.X1, q.X1), Math.Max(p.Y1, q.Y1), Math.Min(p.X2, q.X2), Math.Min(p.Y2, q.Y2));
        var overlap = inter.Width > 0 && inter.Height > 0 ? inter.Area : 0;
        var union = p.Area + q.Area - overlap;
        return union > 0 ? overlap / union : 0;
    }

    private static byte[] SideBySide(RgbImage image, IReadOnlyList<Detection> a, IReadOnlyList<Detection> b)
    {
        var height = (int)Math.Round((double)image.Height * PanelWidth / image.Width);
        using var sheet = new SKBitmap(new SKImageInfo(PanelWidth * 2 + Gap, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(sheet))
        {
            canvas.Clear(SKColors.White);
            var sampling = new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
            foreach (var (detections, x) in new[] { (a, 0), (b, PanelWidth + Gap) })
            {
                using var panel = SKImage.FromEncodedData(DetectionRenderer.RenderPng(image, detections));
                canvas.DrawImage(panel, new SKRect(x, 0, x + PanelWidth, height), sampling);
            }
        }
        using var data = sheet.Encode(SKEncodedImageFormat.Png, 100) ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG.");
        return data.ToArray();
    }
}
