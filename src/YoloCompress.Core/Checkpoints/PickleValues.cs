using System.Numerics;

namespace YoloCompress.Core.Checkpoints;

/// <summary>Helpers over what <see cref="PickleMachine"/> builds: integers from any integer form, short
/// descriptions for messages, and the plain-value view modules' attributes are given.</summary>
internal static class PickleValues
{
    public static long ToLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new PickleFormatException($"expected an integer, found {Describe(value)}."),
    };

    public static long[] ToLongs(object? value) => value switch
    {
        object?[] a => a.Select(ToLong).ToArray(),
        List<object?> l => l.Select(ToLong).ToArray(),
        _ => throw new PickleFormatException($"expected a tuple of integers, found {Describe(value)}."),
    };

    /// <summary>A short description for messages, bounded in length and depth whatever the value.</summary>
    public static string Describe(object? value, int depth = 0) => value switch
    {
        null => "None",
        string s => $"'{PickleInput.Shorten(s)}'",
        bool b => b ? "True" : "False",
        long or double or BigInteger => PickleInput.Shorten(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
        byte[] bytes => $"{bytes.Length} bytes",
        PickleGlobal g => "the name " + g.FullName,
        PickleObject o => "a " + o.FullName + " object",
        PickledTensor t => $"a tensor [{string.Join(", ", t.Size)}]",
        StorageRef s => $"storage '{s.Key}'",
        PickleDict d => $"a dictionary of {d.Count} entries",
        PickleSet s => $"a set of {s.Items.Count} items",
        List<object?> l => $"a list of {l.Count} items",
        object?[] t when depth < 2 => "(" + string.Join(", ", t.Take(6).Select(v => Describe(v, depth + 1))) + (t.Length > 6 ? ", ..." : "") + ")",
        object?[] t => $"a tuple of {t.Length} items",
        _ => value.GetType().Name,
    };
}

/// <summary>Turns pickled values into the plain, deterministic values <see cref="CheckpointModule"/> attributes
/// hold: long, double, bool, string, null, byte[], lists, sorted dictionaries and tensors. Inert objects become
/// dictionaries of their attributes with a "__class__" entry (and "__args__" / "__state__" when they have
/// those). Depth is limited (a hostile pickle may nest a million lists or refer to itself), and every
/// container is converted once however often it is referred to, so the work is linear in the pickle.</summary>
internal sealed class PlainValueConverter(Func<PickledTensor, string, object> tensor)
{
    public const int MaxDepth = 100;

    private readonly Dictionary<object, object?> _done = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<object> _inProgress = new(ReferenceEqualityComparer.Instance);

    public object? Convert(object? value, string name) => Convert(value, name, 0);

    private object? Convert(object? value, string name, int depth)
    {
        switch (value)
        {
            case null or string or bool or double or long or byte[]:
                return value;
            case BigInteger big:
                return (double)big;
            case PickledTensor t:
                return tensor(t, name);
            case PickleGlobal g:
                return g.FullName;
            case StorageRef s:
                return $"storage '{s.Key}'";
        }
        if (_done.TryGetValue(value, out var converted)) return converted;
        if (depth >= MaxDepth) throw new InvalidDataException($"'{name}' nests more than {MaxDepth} levels deep.");
        if (!_inProgress.Add(value)) throw new InvalidDataException($"'{name}' contains itself.");
        object? result = value switch
        {
            object?[] tuple => tuple.Select(v => Convert(v, name, depth + 1)).ToList(),
            List<object?> list => list.Select(v => Convert(v, name, depth + 1)).ToList(),
            PickleSet set => set.Items.Select(v => Convert(v, name, depth + 1)).OrderBy(v => v, PlainKeyComparer.Instance).ToList(),
            PickleDict dict => Dictionary(dict.Entries, name, depth),
            PickleObject obj => ObjectDictionary(obj, name, depth),
            _ => value.GetType().Name,
        };
        _inProgress.Remove(value);
        _done[value] = result;
        return result;
    }

    private SortedDictionary<object, object?> Dictionary(IEnumerable<KeyValuePair<object?, object?>> entries, string name, int depth)
    {
        var result = new SortedDictionary<object, object?>(PlainKeyComparer.Instance);
        foreach (var (key, value) in entries)
        {
            var plainKey = Convert(key, name, depth + 1) ?? "None";
            if (plainKey is IReadOnlyList<object?> or IReadOnlyDictionary<object, object?>) plainKey = CheckpointModule.Format(plainKey);
            result[plainKey] = Convert(value, name, depth + 1);
        }
        return result;
    }

    private SortedDictionary<object, object?> ObjectDictionary(PickleObject obj, string name, int depth)
    {
        var result = Dictionary(obj.Attributes.Entries, name, depth);
        result["__class__"] = obj.FullName;
        if (obj.Args.Length > 0) result["__args__"] = Convert(obj.Args, name, depth + 1);
        if (obj.State is not null and not PickleDict && obj.Attributes.Count == 0) result["__state__"] = Convert(obj.State, name, depth + 1);
        if (obj.HasItems) result["__items__"] = Convert(obj.Items, name, depth + 1);
        return result;
    }
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
