using System.Text.Json;
using System.Text.Json.Serialization;

namespace YoloCompress.Cli.Commands;

/// <summary>What every command shares: turning failures into a message and an exit code, and
/// printing results either for people or, with --json, for scripts.</summary>
internal static class CliRun
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Runs a command body. Expected failures (bad files, bad settings) print one line
    /// naming what is wrong and exit 1; anything else is a bug and prints its stack trace (exit 3).</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is Core.Checkpoints.CheckpointFormatException or Core.Graph.YoloGraphException or Core.Diagnostics.YoloCompressException
            or IOException or InvalidDataException or ArgumentException or FormatException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException)
        {
            Console.Error.WriteLine(e is Core.Graph.YoloGraphException graph ? $"error {graph.Descriptor.Code}: {e.Message}" : $"error: {e.Message}");
            return 1;
        }
    }

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));
}
