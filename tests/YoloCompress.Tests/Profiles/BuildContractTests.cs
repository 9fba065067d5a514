using System.Text.RegularExpressions;
using System.Xml.Linq;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Profiles;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Profiles;

/// <summary>What the MSBuild side repeats of the engine's vocabulary (it cannot reference Core)
/// stays in step with it.</summary>
public sealed partial class BuildContractTests
{
    [Fact]
    public void EverySettingHasAProjectWidePropertyWithItsName()
    {
        var props = XDocument.Load(Path.Combine(TestData.RepoRoot, "build", "YoloCompress.Build.props"));
        var metadata = props.Descendants("YoloModel").Single().Elements().ToArray();
        var settings = metadata.Where(e => e.Name.LocalName is not ("Profile" or "ValidationSet")).ToArray();

        Assert.Equal(SettingDefinitions.All.Select(d => d.Name), settings.Select(e => e.Name.LocalName).Order(StringComparer.Ordinal));
        Assert.All(settings, e =>
        {
            var property = $"$(YoloCompress{e.Name.LocalName})";
            Assert.Equal(property, e.Value);
            Assert.Equal($"'{property}' != ''", e.Attribute("Condition")?.Value);
        });
    }

    [Fact]
    public void TheTasksCodesAreTheCataloguesCodes()
    {
        var source = File.ReadAllText(Path.Combine(TestData.RepoRoot, "src", "YoloCompress.Build.Tasks", "BuildDiagnostics.cs"));
        var constants = ConstantPattern().Matches(source).Select(m => (Name: m.Groups[1].Value, Code: m.Groups[2].Value)).ToArray();
        Assert.NotEmpty(constants);
        foreach (var (name, code) in constants)
        {
            var field = typeof(DiagnosticCatalog).GetField(name);
            Assert.True(field is not null, $"DiagnosticCatalog has no {name}");
            Assert.Equal(code, ((DiagnosticDescriptor)field.GetValue(null)!).Code);
        }
    }

    [GeneratedRegex("public const string (\\w+) = \"(YC\\d{4})\";")]
    private static partial Regex ConstantPattern();
}
