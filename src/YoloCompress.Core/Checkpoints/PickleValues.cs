using System.Collections;
using System.Numerics;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;

namespace YoloCompress.Core.Checkpoints;

/// <summary>Turns what Razorvine produces (int/long/BigInteger, double, string, ArrayList, object[], Hashtable,
/// HashSet, ClassDict) into plain, deterministic .NET values: long, double, bool, string, null,
/// <see cref="IReadOnlyList{T}"/> and sorted <see cref="IReadOnlyDictionary{TKey,TValue}"/>.</summary>
internal static class PickleValues
{
    public static long ToLong(object? value) => value switch
    {
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        bool b => b ? 1 : 0,
        BigInteger big when big >= long.MinValue && big <= long.MaxValue => (long)big,
        _ => throw new PickleException($"expected an integer, found {Describe(value)}."),
    };

    public static long[] ToLongs(object? value) => value switch
    {
        object[] a => a.Select(ToLong).ToArray(),
        ArrayList l => l.Cast<object?>().Select(ToLong).ToArray(),
        _ => throw new PickleException($"expected a tuple of integers, found {Describe(value)}."),
    };

    /// <summary>A plain value; tensors go through <paramref name="tensor"/>, pickled objects become
    /// dictionaries of their state with a "__class__" entry.</summary>
    public static object? ToPlain(object? value, Func<PickledTensor, object> tensor) => value switch
    {
        null => null,
        string or bool or double => value,
        float f => (double)f,
        int or long or short or byte or BigInteger => ToLong(value),
        PickledTensor t => tensor(t),
        object[] tuple => tuple.Select(v => ToPlain(v, tensor)).ToList(),
        ArrayList list => list.Cast<object?>().Select(v => ToPlain(v, tensor)).ToList(),
        Hashtable table => ToDictionary(table.Cast<DictionaryEntry>().Select(e => (e.Key, e.Value)), tensor),
        ClassDict obj => ToDictionary(obj.Select(e => ((object)e.Key, (object?)e.Value)), tensor),
        HashSet<object> set => set.Select(v => ToPlain(v, tensor)).OrderBy(v => v, PlainKeyComparer.Instance).ToList(),
        _ => Describe(value),
    };

    private static IReadOnlyDictionary<object, object?> ToDictionary(IEnumerable<(object Key, object? Value)> entries, Func<PickledTensor, object> tensor)
    {
        var result = new SortedDictionary<object, object?>(PlainKeyComparer.Instance);
        foreach (var (key, value) in entries)
            result[ToPlain(key, tensor) ?? "None"] = ToPlain(value, tensor);
        return result;
    }

    public static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        ClassDict c => c.ClassName + " object",
        object[] a => "(" + string.Join(", ", a.Select(Describe)) + ")",
        _ => value.GetType().Name + " " + value,
    };
}

/// <summary>Orders dictionary keys deterministically: numbers by value before strings, strings ordinally.</summary>
internal sealed class PlainKeyComparer : IComparer<object?>
{
    public static readonly PlainKeyComparer Instance = new();

    public int Compare(object? x, object? y)
    {
        int rx = Rank(x), ry = Rank(y);
        if (rx != ry) return rx.CompareTo(ry);
        return (x, y) switch
        {
            (long a, long b) => a.CompareTo(b),
            (double a, double b) => a.CompareTo(b),
            (bool a, bool b) => a.CompareTo(b),
            (string a, string b) => string.CompareOrdinal(a, b),
            _ => string.CompareOrdinal(x?.ToString(), y?.ToString()),
        };
    }

    private static int Rank(object? o) => o switch
    {
        null => 0,
        bool => 1,
        long => 2,
        double => 3,
        string => 4,
        _ => 5,
    };
}
