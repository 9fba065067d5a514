using System.Text.Json;
using System.Text.Json.Serialization;
using YoloCompress.Core.Compress;
using YoloCompress.Core.Diagnostics;

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
    /// naming what is wrong and exit 1; anything else is a bug: a line saying so, its stack trace, exit 3.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (YoloCompressException e)
        {
            Console.Error.WriteLine(e.Diagnostic.ToString());
            return 1;
        }
        catch (Exception e) when (ExpectedFailure.Is(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"error: a bug in YoloCompress ({e.GetType().Name}: {e.Message}); please report it with this trace:");
            Console.Error.WriteLine(e);
            return 3;
        }
    }

    public static void WriteJson<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, Json));
}
