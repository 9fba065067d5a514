using System.Globalization;
using YoloCompress.Core.Evaluation;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Profiles;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Pipeline;

/// <summary>One geometry <c>InputSize</c> <c>auto</c> tried: its final model's cost and accuracy.</summary>
/// <param name="InputSize">The setting's spelling: <c>512</c>, <c>640x480</c>, <c>dynamic:640</c>.</param>
/// <param name="GigaFlops">The final model's GFLOPs (per-image shapes: the mean over the validation images).</param>
/// <param name="Map50To95">The final model's mAP@0.5:0.95 on the validation set.</param>
/// <param name="WithinBudget">Whether it stays within MaxMapDrop of the float model at its own input.</param>
public sealed record GeometryCandidate(string InputSize, double GigaFlops, double Map50To95, bool WithinBudget);

/// <summary>What the geometry search tried, in the order it tried them, and what it kept.</summary>
public sealed record GeometrySearchResult(IReadOnlyList<GeometryCandidate> Candidates, string Chosen)
{
    internal Compressed ChosenModel { get; init; } = null!;
}

/// <summary><c>InputSize</c> <c>auto</c>: the cheapest geometry whose <em>final</em> model (after pruning and
/// quantization) stays within MaxMapDrop of the float model at its own input. Three families, each from the model's own
/// size down to MinInputSize in steps of the largest stride: squares; rectangles fitted to the project's images (their
/// majority orientation, the short side from the 75th percentile of short/long ratios, so most images fill it); and
/// per-image rectangles (dynamic shapes). Accuracy falls with the input's size, so each family is searched by bisection
/// for its smallest size within the budget (a few compressions instead of all of them; a size beyond the budget counts
/// only when the next smaller one is beyond it too), and a candidate that would cost at
/// least as much as one already within the budget is not compressed at all; the kept model is the family winner with the
/// fewest FLOPs (ties: fixed shapes before per-image, squares first). Accuracy decides, never a timing:
/// the same inputs give the same choice and the same bytes. When no candidate holds, the model's own size is kept, and the
/// budget check reports the drop.</summary>
internal static class GeometrySearch
{
    /// <summary>Which short/long ratio of the project's images a fitted rectangle covers at full scale.</summary>
    private const double RectanglePercentile = 0.75;

    public static GeometrySearchResult Run(ModelSource original, CompressionRequest request, ModelValidator validation, ModelMetrics reference,
        Func<InputSizeSetting, bool, Compressed> compress, IProgress<string>? progress, CancellationToken cancellation)
    {
        var settings = request.Settings;
        double floor = reference.Map50To95!.Value - settings.MaxMapDrop!.Value;
        var own = original.Geometry;
        int stride = original.Stride;
        int ownSide = Math.Max(own.Width, own.Height);
        var sides = Enumerable.Range(0, ownSide / stride).Select(i => ownSide - i * stride).Where(s => s >= Math.Min(settings.MinInputSize, ownSide)).ToArray();

        var families = new List<Func<int, InputSizeSetting>>();
        bool fixedOnnx = !original.IsCheckpoint && !own.IsPerImage;
        if (fixedOnnx)
        {
            // A fixed-shape .onnx takes only its own input.
            families.Add(_ => InputSizeSetting.Rectangle(own.Width, own.Height));
            sides = [ownSide];
        }
        else
        {
            families.Add(InputSizeSetting.Square);
            var images = request.CalibrationImages.Select(ImageDimensions.Read).Concat(validation.ImageSizes).ToArray();
            if (FittedRectangle(images, stride, ownSide) is { } rectangle)
                families.Add(rectangle);
            families.Add(side => InputSizeSetting.PerImage(side));
        }

        var tried = new List<GeometryCandidate>();
        var winners = new List<(GeometryCandidate Candidate, Compressed Model)>();
        Compressed? ownModel = null;
        double cheapestWithin = double.PositiveInfinity;
        foreach (var family in families)
        {
            var results = new Dictionary<int, (GeometryCandidate Candidate, Compressed Model)>();
            // A candidate that costs at least as much as one already within the budget cannot be chosen: it is not
            // compressed, and counts as within (bisection then looks only at cheaper sizes).
            bool CannotWin(int index) => ExpectedFlops(family(sides[index]), own, stride, reference.GigaFlops, validation) >= cheapestWithin;
            bool Within(int index)
            {
                if (results.TryGetValue(index, out var known)) return known.Candidate.WithinBudget;
                if (CannotWin(index)) return true;
                cancellation.ThrowIfCancellationRequested();
                var setting = family(sides[index]);
                var model = compress(setting, true);
                // HeadConvs auto has validated the model it kept already (the same graph before its metadata and opset).
                var map = model.ValidatedMap50To95 ?? validation.Evaluate(model.Bytes, cancellation).Map50To95;
                double flops = ModelStatistics.Compute(model.Model).GigaFlops * GeometryCost.AreaFraction(model.Source.Geometry, validation.ImageSizes);
                var candidate = new GeometryCandidate(setting.ToString(), Math.Round(flops, 4), Math.Round(map, 5), map >= floor);
                tried.Add(candidate);
                progress?.Report(string.Create(CultureInfo.InvariantCulture,
                    $"InputSize auto: {candidate.InputSize,-12} mAP@0.5:0.95 {map:0.0000} ({(map - reference.Map50To95!.Value) * 100:+0.0;-0.0} points), {flops:0.00} GFLOPs: {(candidate.WithinBudget ? "within" : "beyond")} MaxMapDrop"));
                results[index] = (candidate, model);
                return candidate.WithinBudget;
            }

            // Bisection for the smallest side within the budget, from the largest (index 0), where a family starts.
            bool first = Within(0);
            if (ReferenceEquals(family, families[0])) ownModel = results[0].Model;
            if (!first) continue;
            int good = 0, bad = sides.Length;
            while (bad - good > 1)
            {
                int mid = (good + bad) / 2;
                // A size beyond the budget is confirmed by the next smaller one: int8's result on a small validation set
                // moves by about half a point with any change, and one unlucky size must not hide all the smaller ones.
                if (Within(mid)) good = mid;
                else if (mid + 1 < bad && Within(mid + 1)) good = mid + 1;
                else bad = mid;
            }
            if (results.TryGetValue(good, out var winner))
            {
                winners.Add(winner);
                cheapestWithin = Math.Min(cheapestWithin, winner.Candidate.GigaFlops);
            }
        }

        if (winners.Count == 0)
        {
            progress?.Report($"InputSize auto: no geometry stays within MaxMapDrop; keeping the model's own {families[0](sides[0])}");
            return new GeometrySearchResult(tried, families[0](sides[0]).ToString()) { ChosenModel = ownModel! };
        }
        var best = winners.OrderBy(w => w.Candidate.GigaFlops).First();
        progress?.Report($"InputSize auto: chose {best.Candidate.InputSize} ({best.Candidate.GigaFlops.ToString("0.00", CultureInfo.InvariantCulture)} GFLOPs)");
        return new GeometrySearchResult(tried, best.Candidate.InputSize) { ChosenModel = best.Model };
    }

    /// <summary>A rectangle family for the images' majority orientation, or null when the images are square enough that
    /// the rectangle would be the square.</summary>
    internal static Func<int, InputSizeSetting>? FittedRectangle(IReadOnlyList<(int Width, int Height)> images, int stride, int ownSide)
    {
        if (images.Count == 0) return null;
        bool landscape = images.Count(i => i.Width >= i.Height) * 2 >= images.Count;
        var ratios = images.Where(i => (i.Width >= i.Height) == landscape)
            .Select(i => (double)Math.Min(i.Width, i.Height) / Math.Max(i.Width, i.Height)).Order().ToArray();
        double ratio = ratios[(int)Math.Clamp(Math.Ceiling(RectanglePercentile * ratios.Length) - 1, 0, ratios.Length - 1)];
        int Short(int side) => Math.Min(side, Math.Max(stride, (int)Math.Ceiling(side * ratio / stride) * stride));
        if (Short(ownSide) == ownSide) return null;
        return side => Short(side) == side ? InputSizeSetting.Square(side)
            : landscape ? InputSizeSetting.Rectangle(side, Short(side)) : InputSizeSetting.Rectangle(Short(side), side);
    }

    /// <summary>The FLOPs a candidate will have, before it is compressed: the own model's scaled by the input's area
    /// (pruning scales every geometry alike, so this orders candidates as their final models will).</summary>
    private static double ExpectedFlops(InputSizeSetting setting, InputGeometry own, int stride, double ownFlops, ModelValidator validation)
    {
        int width = setting.Width > 0 ? setting.Width : own.Width, height = setting.Height > 0 ? setting.Height : own.Height;
        var geometry = setting.Kind == InputSizeKind.Dynamic ? InputGeometry.PerImage(width, stride) : InputGeometry.Fixed(width, height);
        return ownFlops * width * height / ((double)own.Width * own.Height) * GeometryCost.AreaFraction(geometry, validation.ImageSizes);
    }
}
