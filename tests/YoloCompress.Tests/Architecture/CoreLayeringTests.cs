using System.Text.RegularExpressions;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Architecture;

/// <summary>Core's folders form layers: a folder may use the folders of lower layers, never one of its own layer
/// or above, so there are no cycles and each stage can be read (and replaced) on its own. docs/architecture.md ("The house")
/// draws the same order.</summary>
public class CoreLayeringTests
{
    /// <summary>Lowest first. A folder missing here fails the test: place it deliberately.</summary>
    private static readonly string[][] Layers =
    [
        ["Diagnostics"],
        ["IO", "Patterns", "OnnxModel"],
        ["Checkpoints"],
        ["Initialization"],
        ["Graph"],
        ["Evaluation"],
        ["Calibration"],
        ["Pruning", "Quantization"],
        ["Recovery"],
        ["Profiles"],
        ["Pipeline"],
        ["Budgets", "Caching"],
        ["Compress"],
        ["Report"],
    ];

    private static readonly Regex Reference = new(@"\bYoloCompress\.Core\.(\w+)|(?<![\w.])Core\.(\w+)\.", RegexOptions.Compiled);

    /// <summary>A folder named relative to the namespace it is used from (<c>Graph.YoloGraphBuilder</c> inside
    /// <c>YoloCompress.Core.OnnxModel</c>, or in a doc comment's cref): the folder, then a type name.</summary>
    private static readonly Regex RelativeReference = new(
        @"(?<![\w.])(" + string.Join("|", Layers.SelectMany(l => l)) + @")\.(?=[A-Z]\w*)", RegexOptions.Compiled);

    [Fact]
    public void Every_folder_uses_only_lower_layers()
    {
        var core = Path.Combine(TestData.RepoRoot, "src", "YoloCompress.Core");
        var rank = Layers.SelectMany((layer, i) => layer.Select(folder => (folder, i))).ToDictionary(p => p.folder, p => p.i);
        var problems = new List<string>();
        foreach (var dir in Directory.GetDirectories(core).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Order())
        {
            if (!rank.TryGetValue(dir!, out var own))
            {
                problems.Add($"folder {dir} has no layer in {nameof(CoreLayeringTests)}.{nameof(Layers)}");
                continue;
            }
            foreach (var file in Directory.GetFiles(Path.Combine(core, dir!), "*.cs"))
                foreach (Match m in Reference.Matches(File.ReadAllText(file)).Concat(RelativeReference.Matches(File.ReadAllText(file))))
                {
                    var used = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                    if (used != dir && rank.TryGetValue(used, out var other) && other >= own)
                        problems.Add($"{Path.GetRelativePath(core, file)} uses {used} (layer {other}), but {dir} is layer {own}");
                }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct()));
    }
}
