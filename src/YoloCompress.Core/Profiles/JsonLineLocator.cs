using System.Text.Json;

namespace YoloCompress.Core.Profiles;

/// <summary>Maps configuration keys ("profiles:mine:Calibration") to the 1-based line of the JSON
/// property, so an error in yolocompress.json points at its line. Configuration itself keeps no
/// positions; this reads the same bytes once more with the low-level reader.</summary>
internal sealed class JsonLineLocator
{
    private readonly Dictionary<string, int> _lines = new(StringComparer.OrdinalIgnoreCase);

    public JsonLineLocator(byte[] utf8)
    {
        try
        {
            Index(utf8);
        }
        catch (JsonException)
        {
            // Positions are a courtesy; a malformed file is reported by the configuration loader.
        }
    }

    public int? LineOf(string key) => _lines.TryGetValue(key, out var line) ? line : null;

    private void Index(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var path = new List<string>();
        var arrayIndex = new Stack<int>();
        var inArray = new Stack<bool>();
        string? pendingName = null;
        var lineStarts = LineStarts(utf8);

        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    pendingName = reader.GetString()!;
                    _lines.TryAdd(Key(path, pendingName), LineAt(lineStarts, reader.TokenStartIndex));
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    var segment = NextSegment(ref pendingName, inArray, arrayIndex);
                    if (segment is not null)
                        path.Add(segment);
                    inArray.Push(reader.TokenType == JsonTokenType.StartArray);
                    arrayIndex.Push(0);
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    inArray.Pop();
                    arrayIndex.Pop();
                    if (path.Count > 0 && inArray.Count > 0)
                        path.RemoveAt(path.Count - 1);
                    break;
                default:
                    var valueSegment = NextSegment(ref pendingName, inArray, arrayIndex);
                    if (valueSegment is not null && inArray.Count > 0 && inArray.Peek())
                        _lines.TryAdd(Key(path, valueSegment), LineAt(lineStarts, reader.TokenStartIndex));
                    break;
            }
        }
    }

    // The name under which the next value sits: the pending property name, or the array index.
    private static string? NextSegment(ref string? pendingName, Stack<bool> inArray, Stack<int> arrayIndex)
    {
        if (inArray.Count == 0)
            return null;
        if (inArray.Peek())
        {
            var index = arrayIndex.Pop();
            arrayIndex.Push(index + 1);
            return index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var name = pendingName;
        pendingName = null;
        return name;
    }

    private static string Key(List<string> path, string last) =>
        path.Count == 0 ? last : string.Join(':', path) + ":" + last;

    private static List<long> LineStarts(byte[] utf8)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'\n')
                starts.Add(i + 1);
        }
        return starts;
    }

    private static int LineAt(List<long> lineStarts, long offset)
    {
        var index = lineStarts.BinarySearch(offset);
        return (index >= 0 ? index : ~index - 1) + 1;
    }
}
