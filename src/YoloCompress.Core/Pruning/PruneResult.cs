using Onnx;

namespace YoloCompress.Core.Pruning;

/// <summary>One group's outcome, for the report and the .yolo.json.</summary>
/// <param name="Group">The group's name (its first producing node).</param>
/// <param name="Fixed">Why the group could not be pruned; null when it could.</param>
public sealed record PrunedLayer(string Group, int ChannelsBefore, int ChannelsAfter, double Ratio, string? Fixed);

/// <summary>A pruned model and what was done to it.</summary>
public sealed class PruneResult
{
    internal PruneResult(ModelProto model, PrunePlan plan, IReadOnlyList<PrunedLayer> layers, IReadOnlyList<string> notes)
    {
        Model = model;
        Plan = plan;
        Layers = layers;
        Notes = notes;
    }

    public ModelProto Model { get; }

    public PrunePlan Plan { get; }

    /// <summary>Every group, in graph order.</summary>
    public IReadOnlyList<PrunedLayer> Layers { get; }

    /// <summary>Fallbacks and warnings (bn-scale on a folded graph, recovery skipped...).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Removed channels over all prunable channels.</summary>
    public double RemovedFraction
    {
        get
        {
            var prunable = Layers.Where(l => l.Fixed is null).ToArray();
            int before = prunable.Sum(l => l.ChannelsBefore);
            return before == 0 ? 0 : (double)prunable.Sum(l => l.ChannelsBefore - l.ChannelsAfter) / before;
        }
    }
}
