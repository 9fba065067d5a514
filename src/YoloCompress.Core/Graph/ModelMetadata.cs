using System.Globalization;
using System.Text;
using Onnx;

namespace YoloCompress.Core.Graph;

/// <summary>The metadata_props the reference exporter writes (stride, names as a Python dict repr) plus imgsz,
/// so consumers of either exporter's models read them the same way.</summary>
public static class ModelMetadata
{
    public const string StrideKey = "stride";
    public const string NamesKey = "names";
    public const string ImageSizeKey = "imgsz";

    /// <summary>Sets stride ("32"), names ("{0: 'person', ...}") and imgsz ("[height, width]", ultralytics' order; for
    /// per-image shapes the largest input), replacing earlier values.</summary>
    public static void Write(ModelProto model, IReadOnlyList<string> names, int stride, int width, int height)
    {
        Set(model, StrideKey, stride.ToString(CultureInfo.InvariantCulture));
        Set(model, NamesKey, NamesRepr(names));
        Set(model, ImageSizeKey, string.Create(CultureInfo.InvariantCulture, $"[{height}, {width}]"));
    }

    /// <summary>The imgsz metadata as (width, height), or null when absent or unreadable.</summary>
    public static (int Width, int Height)? ReadImageSize(ModelProto model)
    {
        var parts = Get(model, ImageSizeKey)?.Trim('[', ']', '(', ')', ' ').Split(',', StringSplitOptions.TrimEntries);
        return parts is { Length: 2 } && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && h > 0 && w > 0
            ? (w, h) : null;
    }

    public static string? Get(ModelProto model, string key) => model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

    public static void Set(ModelProto model, string key, string value)
    {
        var existing = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (existing is not null) existing.Value = value;
        else model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
    }

    /// <summary>str(dict(enumerate(names))) as Python prints it.</summary>
    public static string NamesRepr(IReadOnlyList<string> names) =>
        "{" + string.Join(", ", names.Select((n, i) => $"{i}: {PythonRepr(n)}")) + "}";

    /// <summary>repr(str): single quotes unless the text holds a single quote and no double quote.</summary>
    public static string PythonRepr(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            if (c == quote || c == '\\') sb.Append('\\').Append(c);
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.Append(quote).ToString();
    }
}
