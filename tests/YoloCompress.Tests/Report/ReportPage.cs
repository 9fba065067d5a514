using System.Globalization;
using System.Text.RegularExpressions;

namespace YoloCompress.Tests.Report;

/// <summary>Reads a report page back as a person's browser would not, but a test must: the exact figures the
/// cells carry (<c>id="after-map50" data-value="0.55"</c>) and the plots' points.</summary>
internal static partial class ReportPage
{
    public static string? Value(string html, string id) =>
        Regex.Match(html, $"id=\"{Regex.Escape(id)}\" data-value=\"([^\"]*)\"") is { Success: true } m ? System.Net.WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    public static double Number(string html, string id) =>
        double.Parse(Value(html, id) ?? throw new Xunit.Sdk.XunitException($"the page has no cell {id}"), CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> SvgTags(string html) => Svg().Matches(html).Select(m => m.Value).ToArray();

    [GeneratedRegex("<svg [^>]*>")]
    private static partial Regex Svg();
}
