using System.Globalization;
using YoloCompress.Core.Patterns;

namespace YoloCompress.Core.Pruning;

/// <summary>One PruneOverrides entry: the groups whose names match <see cref="Pattern"/> are pruned at
/// <see cref="Ratio"/> instead of the model-wide ratio; the last matching entry wins.</summary>
public sealed record RatioOverride(NodePattern Pattern, double Ratio)
{
    /// <summary>The setting's text form, "pattern=ratio".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Pattern.Text}={Ratio}");
}
