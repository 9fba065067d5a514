using System.Text;

namespace YoloCompress.Core.Report;

/// <summary>A plot drawn as inline SVG: a fixed coordinate system (viewBox) that the page scales to its width,
/// so a plot never overflows on a narrow window or on paper, and no script or font is needed to see it.</summary>
internal sealed class SvgPlot
{
    private const double Left = 64, Right = 16, Top = 16, Bottom = 48;

    private readonly StringBuilder _body = new();

    public SvgPlot(string id, string title, double width, double height, (double Min, double Max) x, (double Min, double Max) y)
    {
        (Id, Title, Width, Height) = (id, title, width, height);
        (X, Y) = (Padded(x), Padded(y));
    }

    public string Id { get; }
    public string Title { get; }
    public double Width { get; }
    public double Height { get; }
    public (double Min, double Max) X { get; }
    public (double Min, double Max) Y { get; }

    public double PlotX(double value) => Left + (value - X.Min) / (X.Max - X.Min) * (Width - Left - Right);

    public double PlotY(double value) => Height - Bottom - (value - Y.Min) / (Y.Max - Y.Min) * (Height - Top - Bottom);

    /// <summary>Raw SVG in the plot's pixel coordinates (<see cref="PlotX"/>, <see cref="PlotY"/>).</summary>
    public SvgPlot Add(string svg)
    {
        _body.Append(svg).Append('\n');
        return this;
    }

    /// <summary>Axes with a few round ticks and their labels.</summary>
    public SvgPlot Axes(string xLabel, string yLabel, string xFormat, string yFormat, bool xTicks = true)
    {
        double x0 = Left, x1 = Width - Right, y0 = Height - Bottom, y1 = Top;
        Add($"<line class=\"axis\" x1=\"{N(x0)}\" y1=\"{N(y0)}\" x2=\"{N(x1)}\" y2=\"{N(y0)}\"/>");
        Add($"<line class=\"axis\" x1=\"{N(x0)}\" y1=\"{N(y0)}\" x2=\"{N(x0)}\" y2=\"{N(y1)}\"/>");
        if (xTicks)
            foreach (var t in Ticks(X))
                Add($"<text class=\"tick\" x=\"{N(PlotX(t))}\" y=\"{N(y0 + 16)}\" text-anchor=\"middle\">{Html.Number(t, xFormat)}</text>");
        foreach (var t in Ticks(Y))
        {
            Add($"<line class=\"grid\" x1=\"{N(x0)}\" y1=\"{N(PlotY(t))}\" x2=\"{N(x1)}\" y2=\"{N(PlotY(t))}\"/>");
            Add($"<text class=\"tick\" x=\"{N(x0 - 6)}\" y=\"{N(PlotY(t) + 4)}\" text-anchor=\"end\">{Html.Number(t, yFormat)}</text>");
        }
        Add($"<text class=\"label\" x=\"{N((x0 + x1) / 2)}\" y=\"{N(Height - 8)}\" text-anchor=\"middle\">{Html.Text(xLabel)}</text>");
        return Add($"<text class=\"label\" transform=\"translate(14 {N((y0 + y1) / 2)}) rotate(-90)\" text-anchor=\"middle\">{Html.Text(yLabel)}</text>");
    }

    public override string ToString() =>
        $"<figure><svg id=\"{Id}\" class=\"plot\" viewBox=\"0 0 {N(Width)} {N(Height)}\" width=\"100%\" role=\"img\" aria-label=\"{Html.Text(Title)}\">\n"
        + $"<title>{Html.Text(Title)}</title>\n{_body}</svg><figcaption>{Html.Text(Title)}</figcaption></figure>\n";

    /// <summary>Coordinates with two decimals: enough for the eye, and stable text.</summary>
    public static string N(double value) => Html.Number(value, "0.##");

    private static (double, double) Padded((double Min, double Max) range)
    {
        var span = range.Max - range.Min;
        var pad = span > 0 ? span * 0.08 : Math.Max(Math.Abs(range.Max) * 0.1, 1e-3);
        return (range.Min - pad, range.Max + pad);
    }

    /// <summary>About five ticks at 1, 2 or 5 times a power of ten.</summary>
    private static IEnumerable<double> Ticks((double Min, double Max) range)
    {
        var raw = (range.Max - range.Min) / 5;
        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2, 5, 10 }.Select(m => m * power).First(s => s >= raw);
        for (var t = Math.Ceiling(range.Min / step) * step; t <= range.Max + step * 1e-9; t += step)
            yield return Math.Round(t, 10) + 0.0; // + 0.0 turns -0 into 0, which would print as "-0"
    }
}
