using System.CommandLine;

namespace YoloCompress.Cli.Commands;

/// <summary>Every subcommand of the tool, in the order help lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All() => new[]
    {
        InspectCommand.Create(),
        ExportCommand.Create(),
        EvalCommand.Create(),
        DetectCommand.Create(),
        BenchCommand.Create(),
        CompressCommand.Create(),
        ReportCommand.Create(),
        PruneCommand.Create(),
        SensitivityCommand.Create(),
        InitCommand.Create(),
    };
}
