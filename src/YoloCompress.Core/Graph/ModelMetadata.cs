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

    /// <summary>Sets stride ("32"), names ("{0: 'person', ...}") and imgsz ("[640, 640]"), replacing earlier values.</summary>
    public static void Write(ModelProto model, IReadOnlyList<string> names, int stride, int inputSize)
    {
        Set(model, StrideKey, stride.ToString(CultureInfo.InvariantCulture));
        Set(model, NamesKey, NamesRepr(names));
        Set(model, ImageSizeKey, $"[{inputSize}, {inputSize}]");
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
