using System.Diagnostics;
using System.CommandLine;
using YoloCompress.Cli.Commands;
using YoloCompress.Core.Compress;

namespace YoloCompress.Tests.Compress;

/// <summary>Nothing left behind in the output folder: a cancelled run removes its staging folder, and each
/// run sweeps what killed runs left there, but never what a running compression is using.</summary>
public sealed class OutputStagingTests : IDisposable
{
    private readonly string _folder = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Out => Path.Combine(_folder, "out");

    [Fact]
    public void The_sweep_removes_what_dead_processes_left_and_keeps_what_running_ones_use()
    {
        Directory.CreateDirectory(Out);
        var dead = DeadProcessId();
        var deadFolder = Folder($".yolocompress-{dead}-{Guid.NewGuid():N}");
        var deadTemp = File(Path.Combine(Out, $".yolov5n.onnx.{dead}.{Guid.NewGuid():N}.tmp"));
        var running = Folder($".yolocompress-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var runningTemp = File(Path.Combine(Out, $".yolov5n.yolo.json.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
        // This process's id, but written before it started: a dead run whose id was reused.
        var reused = Folder($".yolocompress-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.SetLastWriteTimeUtc(reused, Process.GetCurrentProcess().StartTime.ToUniversalTime().AddMinutes(-10));
        // Not ours by shape: a user's folder and file are never touched.
        var foreign = Folder($".yolocompress-{dead}-notaguid");
        var userFile = File(Path.Combine(Out, ".notes.tmp"));

        OutputStaging.SweepOrphans(Out);

        Assert.False(Directory.Exists(deadFolder));
        Assert.False(System.IO.File.Exists(deadTemp));
        Assert.False(Directory.Exists(reused));
        Assert.True(Directory.Exists(running));
        Assert.True(System.IO.File.Exists(runningTemp));
        Assert.True(Directory.Exists(foreign));
        Assert.True(System.IO.File.Exists(userFile));
    }

    [Fact]
    public void A_compress_run_sweeps_its_output_folder_first()
    {
        Directory.CreateDirectory(Out);
        var orphan = Folder($".yolocompress-{DeadProcessId()}-{Guid.NewGuid():N}");
        System.IO.File.WriteAllText(Path.Combine(orphan, "yolov5n.onnx"), "half a model");

        var (code, error) = Run(new FakeCompressor().Run);

        Assert.True(code == 0, error);
        Assert.Equal(["yolov5n.onnx", "yolov5n.report.html", "yolov5n.yolo.json"], Entries(Out));
    }

    [Fact]
    public void A_cancelled_run_removes_its_staging_folder_keeps_the_previous_outputs_and_says_so_in_one_line()
    {
        Directory.CreateDirectory(Out);
        System.IO.File.WriteAllText(Path.Combine(Out, "yolov5n.onnx"), "previous model");
        System.IO.File.WriteAllText(Path.Combine(Out, "yolov5n.yolo.json"), "previous metadata");
        string? staging = null;

        // A pipeline cancelled half way: it has written into its staging folder.
        var (code, error) = Run((request, _, _) =>
        {
            staging = request.OutputDirectory;
            System.IO.File.WriteAllText(Path.Combine(staging, "yolov5n.onnx"), "half a model");
            throw new OperationCanceledException();
        });

        Assert.Equal(1, code);
        Assert.NotNull(staging);
        Assert.StartsWith(Path.Combine(Out, ".yolocompress-"), staging);
        Assert.Equal(["yolov5n.onnx", "yolov5n.yolo.json"], Entries(Out));
        Assert.Equal("previous model", System.IO.File.ReadAllText(Path.Combine(Out, "yolov5n.onnx")));
        Assert.Equal("previous metadata", System.IO.File.ReadAllText(Path.Combine(Out, "yolov5n.yolo.json")));
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.Contains("Cancelled", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(".yolocompress-123-0123456789abcdef0123456789abcdef", 123)]
    [InlineData(".yolocompress-123-notaguid", null)]
    [InlineData(".yolocompress--0123456789abcdef0123456789abcdef", null)]
    [InlineData("yolocompress-123-0123456789abcdef0123456789abcdef", null)]
    public void Staging_folder_names_give_their_process_id(string name, int? pid) =>
        Assert.Equal(pid, OutputStaging.FolderOwner(name));

    [Theory]
    [InlineData(".yolov5n.onnx.123.0123456789abcdef0123456789abcdef.tmp", 123)]
    [InlineData(".my.model.yolo.json.77.0123456789abcdef0123456789abcdef.tmp", 77)]
    [InlineData(".yolov5n.onnx.x.0123456789abcdef0123456789abcdef.tmp", null)]
    [InlineData(".notes.tmp", null)]
    public void Temporary_file_names_give_their_process_id(string name, int? pid) =>
        Assert.Equal(pid, OutputStaging.TempFileOwner(name));

    private (int Code, string Error) Run(Func<Core.Pipeline.CompressionRequest, IProgress<string>?, CancellationToken, Core.Pipeline.CompressionOutcome> pipeline)
    {
        var model = Path.Combine(_folder, "yolov5n.pt");
        System.IO.File.WriteAllText(model, "not really a checkpoint");
        var calib = Directory.CreateDirectory(Path.Combine(_folder, "calib")).FullName;
        System.IO.File.WriteAllText(Path.Combine(calib, "0.jpg"), "image");
        var error = new StringWriter();
        var root = new RootCommand { CompressCommand.Create(pipeline) };
        var code = root.Parse(["compress", model, "--calib", calib, "-o", Out]).Invoke(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        return (code, error.ToString());
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(Out, name)).FullName;

    private static string File(string path)
    {
        System.IO.File.WriteAllText(path, "x");
        return path;
    }

    private static string[] Entries(string folder) =>
        Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>The id of a process that ran and has exited.</summary>
    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.Id;
    }
}
