using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Report;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Report;

/// <summary>`report OUTDIR` on what it cannot read: a coded error naming the folder or the file, and no page.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_folder_without_yolo_json_is_YC0033_naming_the_folder()
    {
        var error = Assert.Throws<YoloCompressException>(() => CompressionReport.WriteAll(_temp.Path));
        Assert.Equal(DiagnosticCatalog.ReportMetadataMissing.Code, error.Code);
        Assert.Contains(_temp.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_schema_version_is_YC0034_naming_the_file_and_both_versions()
    {
        var metadata = Path.Combine(_temp.Path, "yolov5n.yolo.json");
        File.WriteAllText(metadata, $"{{ \"schemaVersion\": {CompressionMetadata.SchemaVersion + 1}, \"metrics\": {{}} }}");
        var error = Assert.Throws<YoloCompressException>(() => CompressionReport.WriteAll(_temp.Path));
        Assert.Equal(DiagnosticCatalog.ReportSchemaMismatch.Code, error.Code);
        Assert.Contains(metadata, error.Message, StringComparison.Ordinal);
        Assert.Contains($"schemaVersion {CompressionMetadata.SchemaVersion + 1}", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_temp.Path, "yolov5n.report.html")));
    }

    [Fact]
    public void The_command_prints_the_code_and_exits_1()
    {
        var result = CliProcess.Run("report", _temp.Path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("YC0033", result.StdErr, StringComparison.Ordinal);
        Assert.Contains(_temp.Path, result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_not_json_is_YC0033_naming_the_file()
    {
        var metadata = Path.Combine(_temp.Path, "yolov5n.yolo.json");
        File.WriteAllText(metadata, "not json");
        var error = Assert.Throws<YoloCompressException>(() => CompressionReport.WriteAll(_temp.Path));
        Assert.Equal(DiagnosticCatalog.ReportMetadataMissing.Code, error.Code);
        Assert.Contains(metadata, error.Message, StringComparison.Ordinal);
    }
}
