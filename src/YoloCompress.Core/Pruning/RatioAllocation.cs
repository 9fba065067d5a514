namespace YoloCompress.Core.Pruning;

/// <summary>Turns ratios and channel scores into a plan: how many channels each group keeps (rounded to a
/// multiple, never below the floor) and which ones (the highest scored).</summary>
internal static class RatioAllocation
{
    /// <summary>Channels kept of <paramref name="size"/> at <paramref name="ratio"/>: the nearest multiple of
    /// <paramref name="roundTo"/> (an exact half goes to fewer channels), at least one multiple (or the whole
    /// group when it is smaller), so no layer loses all its channels.</summary>
    public static int KeepCount(int size, double ratio, int roundTo)
    {
        if (ratio <= 0) return size;
        int m = Math.Max(1, roundTo);
        double exact = size * (1 - ratio);
        int keep = (int)Math.Ceiling(exact / m - 0.5) * m;
        return Math.Clamp(keep, Math.Min(size, m), size);
    }

    /// <summary>The highest-scored <paramref name="keep"/> channels, ascending; ties go to the lower index.</summary>
    public static int[] TopChannels(double[] scores, int keep) =>
        Enumerable.Range(0, scores.Length)
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take(keep).Order().ToArray();

    /// <summary>Global ranking: scores (normalised by each group's mean unless they share a unit across groups), one
    /// threshold across groups so that <paramref name="ratio"/> of all their channels go; each group's count is then
    /// rounded and floored.</summary>
    public static Dictionary<int, int> GlobalKeepCounts(IReadOnlyList<(PruningGroup Group, double[] Scores)> groups, double ratio, int roundTo, bool normalise = true)
    {
        var all = new List<(double Score, int Group, int Index)>();
        foreach (var (group, scores) in groups)
        {
            double mean = normalise ? scores.Average() : 1;
            for (int i = 0; i < scores.Length; i++)
                all.Add((mean > 0 ? scores[i] / mean : 0, group.Id, i));
        }
        int remove = (int)Math.Round(all.Count * ratio);
        var removed = all.OrderBy(t => t.Score).ThenBy(t => t.Group).ThenBy(t => t.Index).Take(remove)
            .GroupBy(t => t.Group).ToDictionary(g => g.Key, g => g.Count());
        return groups.ToDictionary(g => g.Group.Id, g =>
        {
            int r = removed.GetValueOrDefault(g.Group.Id);
            return KeepCount(g.Group.Size, (double)r / g.Group.Size, roundTo);
        });
    }
}
