using Onnx;

namespace YoloCompress.Core.Pruning;

/// <summary>One group's outcome, for the report and the .yolo.json.</summary>
/// <param name="Group">The group's name (its first producing node).</param>
/// <param name="Fixed">Why the group could not be pruned; null when it could.</param>
public sealed record PrunedLayer(string Group, int ChannelsBefore, int ChannelsAfter, double Ratio, string? Fixed);

/// <summary>A pruned model and what was done to it.</summary>
public sealed class PruneResult
{
    internal PruneResult(ModelProto model, PrunePlan plan, IReadOnlyList<PrunedLayer> layers, IReadOnlyList<string> notes,
        IReadOnlyDictionary<string, int[]> keptPositions)
    {
        KeptPositions = keptPositions;
        Model = model;
        Plan = plan;
        Layers = layers;
        Notes = notes;
    }

    public ModelProto Model { get; }

    public PrunePlan Plan { get; }

    /// <summary>For every tensor that lost channels, the original channel positions it keeps, ascending.</summary>
    public IReadOnlyDictionary<string, int[]> KeptPositions { get; }

    /// <summary>Every group, in graph order.</summary>
    public IReadOnlyList<PrunedLayer> Layers { get; }

    /// <summary>Fallbacks and warnings (bn-scale on a folded graph...).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The same pruning with another model (the recovered one) and more notes.</summary>
    public PruneResult With(ModelProto model, IReadOnlyList<string> moreNotes) =>
        new(model, Plan, Layers, [.. Notes, .. moreNotes], KeptPositions);

    /// <summary>This pruning followed by <paramref name="next"/>, which pruned this result's model further (iterative
    /// pruning): kept positions and layer counts relative to the original model, <paramref name="next"/>'s model.
    /// Group ids and names are those of the original graph: slicing keeps node names and graph shape.</summary>
    public PruneResult Then(PruneResult next)
    {
        ArgumentNullException.ThrowIfNull(next);
        var positions = new Dictionary<string, int[]>(KeptPositions, StringComparer.Ordinal);
        foreach (var (tensor, kept) in next.KeptPositions)
            positions[tensor] = KeptPositions.TryGetValue(tensor, out var first) ? kept.Select(i => first[i]).ToArray() : kept;
        var plan = new Dictionary<int, int[]>(Plan.Kept);
        foreach (var (group, kept) in next.Plan.Kept)
            plan[group] = Plan.Kept.TryGetValue(group, out var first) ? kept.Select(i => first[i]).ToArray() : kept;
        var after = next.Layers.ToDictionary(l => l.Group, StringComparer.Ordinal);
        var layers = Layers.Select(l => after.TryGetValue(l.Group, out var n)
            ? l with { ChannelsAfter = n.ChannelsAfter, Ratio = (double)(l.ChannelsBefore - n.ChannelsAfter) / l.ChannelsBefore }
            : l).ToArray();
        return new PruneResult(next.Model, new PrunePlan(plan), layers, [.. Notes, .. next.Notes], positions);
    }

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
