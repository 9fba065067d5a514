using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace YoloCompress.Core.Profiles;

/// <summary>The one text form of resolved settings: every setting, keys sorted ordinally, numbers
/// in invariant shortest round-trip form, no whitespace. Hashed into the cache key and written into
/// the .yolo.json, so two runs with the same settings agree byte for byte.</summary>
public static class CanonicalSettingsJson
{
    public static string Write(CompressionSettings settings)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            Write(writer, settings);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the settings as one JSON object into a larger document.</summary>
    public static void Write(Utf8JsonWriter writer, CompressionSettings settings)
    {
        writer.WriteStartObject();
        foreach (var definition in SettingDefinitions.All)
            definition.Write(writer, settings);
        writer.WriteEndObject();
    }
}
