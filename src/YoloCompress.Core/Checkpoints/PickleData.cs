using System.Numerics;

namespace YoloCompress.Core.Checkpoints;

// What the pickle machine builds. Besides these it produces null, bool, long, BigInteger (beyond 64 bits),
// double, string, byte[] (bytes), object?[] (tuples), List<object?> (lists) and the tensor types of TorchPickle.

/// <summary>A class or function the pickle names (GLOBAL, STACK_GLOBAL, INST): a name, never resolved or loaded.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;

    public override string ToString() => FullName;
}

/// <summary>An instance of any class other than torch's tensor rebuilders: <c>models.yolo.DetectionModel</c>,
/// <c>numpy.dtype</c>, <c>pathlib.PosixPath</c>, <c>argparse.Namespace</c>, a dataclass, even <c>os.system</c>.
/// It only records what the pickle says about it (its class, the arguments it would be called with, the state it
/// would be given), so loading a checkpoint runs nothing it names.</summary>
internal sealed class PickleObject(string module, string name, object?[] args)
{
    public string Module { get; } = module;

    public string Name { get; } = name;

    public string FullName => Module.Length == 0 ? Name : Module + "." + Name;

    /// <summary>Positional arguments of the call (REDUCE, NEWOBJ, INST, OBJ).</summary>
    public object?[] Args { get; } = args;

    /// <summary>Keyword arguments of NEWOBJ_EX, if any.</summary>
    public PickleDict? KeywordArgs { get; init; }

    /// <summary>What BUILD gave: usually the instance dictionary; a (dict, slots) pair; or anything else.</summary>
    public object? State { get; set; }

    /// <summary>Items APPEND/SETITEM/ADDITEMS added (list, dict and set subclasses).</summary>
    public List<object?> Items => _items ??= new();

    public bool HasItems => _items is { Count: > 0 };

    private List<object?>? _items;

    /// <summary>The instance attributes: the state dictionary, or both halves of a (dict, slots) state.</summary>
    public PickleDict Attributes
    {
        get
        {
            switch (State)
            {
                case PickleDict dict:
                    return dict;
                case object?[] { Length: 2 } pair when pair[0] is PickleDict or null && pair[1] is PickleDict or null:
                    var merged = new PickleDict();
                    foreach (var half in pair)
                        if (half is PickleDict d)
                            foreach (var (k, v) in d.Entries) merged.Set(k, v);
                    return merged;
                default:
                    return PickleDict.Empty;
            }
        }
    }

    public bool HasAttribute(string key) => Attributes.TryGetValue(key, out _);

    public override string ToString() => FullName + " object";
}

/// <summary>A dict or OrderedDict, in insertion order (as Python keeps it). Scalar keys (str, int, float, bool,
/// None) are unique as in Python; others (tuples, objects) are kept as they come.</summary>
internal sealed class PickleDict
{
    public static readonly PickleDict Empty = new();

    // Allocated on first use: a hostile pickle may build a million empty dictionaries.
    private readonly List<KeyValuePair<object?, object?>> _entries = new(0);
    private Dictionary<object, int>? _index;
    private static readonly object NoneKey = new();

    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => _entries;

    public int Count => _entries.Count;

    /// <summary>BUILD's state on an OrderedDict (a state_dict's <c>_metadata</c>), kept but unused.</summary>
    public object? InstanceState { get; set; }

    public void Set(object? key, object? value)
    {
        if (ReferenceEquals(this, Empty)) throw new InvalidOperationException("The empty dictionary is shared.");
        if (IndexKey(key) is { } indexKey)
        {
            _index ??= new();
            if (_index.TryGetValue(indexKey, out var at))
            {
                _entries[at] = new(_entries[at].Key, value);
                return;
            }
            _index[indexKey] = _entries.Count;
        }
        _entries.Add(new(key, value));
    }

    public bool TryGetValue(object? key, out object? value)
    {
        if (_index is not null && IndexKey(key) is { } indexKey && _index.TryGetValue(indexKey, out var at))
        {
            value = _entries[at].Value;
            return true;
        }
        value = null;
        return false;
    }

    public object? GetValueOrDefault(string key) => TryGetValue(key, out var value) ? value : null;

    // Python's hash equality for the scalar keys checkpoints use: 1 == 1.0 == True.
    private static object? IndexKey(object? key) => key switch
    {
        null => NoneKey,
        string s => s,
        bool b => b ? 1L : 0L,
        long l => l,
        BigInteger big => big >= long.MinValue && big <= long.MaxValue ? (object)(long)big : big,
        double d when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
        double d => d,
        _ => null,
    };
}

/// <summary>A set or frozenset, as a list of its items in pickle order.</summary>
internal sealed class PickleSet
{
    public List<object?> Items { get; } = new();
}
