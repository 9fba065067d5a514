using System.Globalization;
using System.Text.Json;
using YoloCompress.Core.Profiles;

namespace YoloCompress.Tests.Profiles;

/// <summary>docs/settings.md is the one place the settings are listed, so it must list exactly the settings
/// the code has (<see cref="SettingDefinitions.All"/>), each once, with the default the code has.</summary>
public sealed class SettingsDocumentTests
{
    private static readonly string Document = Path.Combine(TestData.RepoRoot, "docs", "settings.md");

    [Fact]
    public void The_table_has_one_row_for_each_setting_in_the_code_and_no_other()
    {
        var rows = Rows().Select(r => r.Name).ToList();
        var code = SettingDefinitions.All.Select(d => d.Name).ToList();

        Assert.Empty(rows.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.True(code.Except(rows, StringComparer.Ordinal).ToList() is [], "settings with no row in docs/settings.md: " + string.Join(", ", code.Except(rows, StringComparer.Ordinal)));
        Assert.True(rows.Except(code, StringComparer.Ordinal).ToList() is [], "rows in docs/settings.md naming no setting: " + string.Join(", ", rows.Except(code, StringComparer.Ordinal)));
    }

    [Fact]
    public void Each_default_is_the_one_the_code_has()
    {
        using var defaults = JsonDocument.Parse(CanonicalSettingsJson.Write(new CompressionSettings()));
        foreach (var (name, documented) in Rows())
        {
            if (!defaults.RootElement.TryGetProperty(name, out var value))
                continue; // a row naming no setting fails the test above
            Assert.True(Matches(documented, value), $"docs/settings.md gives {name} the default '{documented}'; the code's is {value.GetRawText()}");
        }
    }

    /// <summary>"none" and "the model's" are an unset value (null, or an empty list); `text` is the value itself.</summary>
    private static bool Matches(string documented, JsonElement value)
    {
        if (documented is "none" or "the model's")
            return value.ValueKind is JsonValueKind.Null || value is { ValueKind: JsonValueKind.Array } && value.GetArrayLength() == 0;
        if (documented.Length < 3 || documented[0] != '`' || documented[^1] != '`')
            return false;
        var text = documented[1..^1];
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() == text,
            JsonValueKind.Number => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number == value.GetDouble(),
            _ => false,
        };
    }

    /// <summary>The rows of the table under "| setting | default | meaning |": (name, default cell).</summary>
    private static List<(string Name, string Default)> Rows()
    {
        var lines = File.ReadAllLines(Document);
        var header = Array.FindIndex(lines, l => l.StartsWith("| setting | default | meaning |", StringComparison.Ordinal));
        Assert.True(header >= 0, "docs/settings.md has no '| setting | default | meaning |' table");
        var rows = new List<(string, string)>();
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            Assert.True(cells.Length >= 5 && cells[1].StartsWith('`') && cells[1].EndsWith('`'), "not a setting row: " + line);
            rows.Add((cells[1].Trim('`'), cells[2]));
        }
        Assert.NotEmpty(rows);
        return rows;
    }
}
