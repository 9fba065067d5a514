using System.Globalization;
using System.Net;
using System.Text;

namespace YoloCompress.Core.Report;

/// <summary>The few pieces of HTML every section writes: escaped text, invariant numbers (a page built on a German
/// machine must be byte-identical to one built on an English one) and table rows whose cells carry the exact figure
/// in <c>data-value</c>, so tests and scripts read the numbers, not their rounded display.</summary>
internal static class Html
{
    public static string Text(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Shortest round-trip form: what data-value attributes hold.</summary>
    public static string Exact(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Exact(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => fraction.ToString("0.#%", CultureInfo.InvariantCulture);

    public static string Section(string id, string title, string body) =>
        $"<section id=\"{id}\">\n<h2>{Text(title)}</h2>\n{body}</section>\n";

    /// <summary>A table; the header cells are plain text, the rows already HTML (see <see cref="Cell"/>).</summary>
    public static string Table(string id, IEnumerable<string> headers, IEnumerable<string> rows)
    {
        var sb = new StringBuilder($"<table id=\"{id}\">\n");
        var names = headers.ToArray();
        // A two-column fact table has no header worth a row.
        if (names.Any(h => h.Length > 0))
        {
            sb.Append("<thead><tr>");
            foreach (var header in names) sb.Append("<th>").Append(Text(header)).Append("</th>");
            sb.Append("</tr></thead>\n");
        }
        sb.Append("<tbody>\n");
        foreach (var row in rows) sb.Append("<tr>").Append(row).Append("</tr>\n");
        return sb.Append("</tbody>\n</table>\n").ToString();
    }

    public static string Cell(string? text, string? cssClass = null) =>
        cssClass is null ? $"<td>{Text(text)}</td>" : $"<td class=\"{cssClass}\">{Text(text)}</td>";

    /// <summary>A cell showing <paramref name="display"/> and carrying the exact figure for machines.</summary>
    public static string ValueCell(string id, string exact, string display, string? cssClass = null) =>
        $"<td id=\"{id}\" data-value=\"{Text(exact)}\"{(cssClass is null ? "" : $" class=\"{cssClass}\"")}>{Text(display)}</td>";

    public static string Paragraph(string html, string? cssClass = null) =>
        cssClass is null ? $"<p>{html}</p>\n" : $"<p class=\"{cssClass}\">{html}</p>\n";

    public static string Code(string text) => $"<code>{Text(text)}</code>";
}
