using YoloCompress.Core.Diagnostics;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Profiles;

public sealed class DiagnosticCatalogTests
{
    [Fact]
    public void CodesAreUniqueAndWellFormed()
    {
        var codes = DiagnosticCatalog.All.Select(d => d.Code).ToArray();
        Assert.Equal(codes.Length, codes.Distinct().Count());
        Assert.All(codes, code => Assert.Matches("^YC[0-9]{4}$", code));
    }

    [Fact]
    public void EveryCodeIsDocumented()
    {
        var doc = File.ReadAllText(Path.Combine(TestData.RepoRoot, "docs", "diagnostics.md"));
        Assert.All(DiagnosticCatalog.All, d => Assert.Contains($"| {d.Code} |", doc));
    }

    [Fact]
    public void CanonicalFormIsWhatMsBuildParses()
    {
        var diagnostic = new Diagnostic(DiagnosticCatalog.SizeBudgetExceeded, "too big\nreally", new DiagnosticOrigin("/p/App.csproj", "project", 12, 5));
        Assert.Equal("/p/App.csproj(12,5): error YC0020: too big really", diagnostic.ToCanonicalString("tool"));
        var warning = new Diagnostic(DiagnosticCatalog.LatencyBudgetExceeded, "slow");
        Assert.Equal("tool: warning YC0023: slow", warning.ToCanonicalString("tool"));
    }
}
