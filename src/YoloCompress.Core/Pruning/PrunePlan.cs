namespace YoloCompress.Core.Pruning;

/// <summary>Which channels of each group survive: group id -> kept channel indices, ascending.
/// Groups not listed keep every channel.</summary>
public sealed class PrunePlan
{
    public PrunePlan(IReadOnlyDictionary<int, int[]> kept) => Kept = kept;

    public IReadOnlyDictionary<int, int[]> Kept { get; }

    /// <summary>Removed channel count of a group.</summary>
    public int Removed(PruningGroup group) => Kept.TryGetValue(group.Id, out var k) ? group.Size - k.Length : 0;
}
