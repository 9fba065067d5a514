using System.Globalization;

namespace YoloCompress.Core.Checkpoints;

/// <summary>One pickled <c>nn.Module</c> of the checkpoint: its class, its plain attributes (Conv2d's
/// <c>stride</c>, <c>padding</c>, <c>groups</c>; BatchNorm's <c>eps</c>; Upsample's <c>scale_factor</c>...),
/// the names of its parameters and buffers, and its children.</summary>
/// <param name="Path">Dotted module path from the model, e.g. <c>model.2.m.0.cv1</c>; empty for the model itself.</param>
/// <param name="TypeName">The Python class, e.g. <c>torch.nn.modules.conv.Conv2d</c> or <c>models.common.C3</c>.</param>
/// <param name="Attributes">Public instance attributes (no leading underscore, no <c>training</c>), ordinal order.
/// Values are long, double, bool, string, null, lists, dictionaries or <see cref="CheckpointTensor"/>.</param>
/// <param name="Children">Child modules in natural name order (0, 1, 2, ... 10; then names).</param>
/// <param name="ParameterNames">Local names of the module's own non-null parameters (weight, bias).</param>
/// <param name="BufferNames">Local names of its buffers (running_mean, running_var, num_batches_tracked, anchors).</param>
public sealed record CheckpointModule(
    string Path,
    string TypeName,
    IReadOnlyDictionary<string, object?> Attributes,
    IReadOnlyList<CheckpointModule> Children,
    IReadOnlyList<string> ParameterNames,
    IReadOnlyList<string> BufferNames)
{
    /// <summary>The last segment of the path ("conv", "0"...).</summary>
    public string Name => Path[(Path.LastIndexOf('.') + 1)..];

    /// <summary>The class name without its Python module: "Conv2d", "C3", "Detect".</summary>
    public string ClassName => TypeName[(TypeName.LastIndexOf('.') + 1)..];

    public CheckpointModule? Child(string name) => Children.FirstOrDefault(c => c.Name == name);

    /// <summary>A descendant by path relative to this module ("m.0.cv1"), or null.</summary>
    public CheckpointModule? Find(string relativePath)
    {
        var module = this;
        foreach (var part in relativePath.Split('.'))
        {
            module = module.Child(part);
            if (module is null) return null;
        }
        return module;
    }

    public IEnumerable<CheckpointModule> SelfAndDescendants() =>
        Children.SelectMany(c => c.SelfAndDescendants()).Prepend(this);

    public bool HasAttribute(string name) => Attributes.ContainsKey(name);

    public object? Attribute(string name) =>
        Attributes.TryGetValue(name, out var value) ? value : throw Missing(name);

    public long GetInt(string name) => Attribute(name) switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        IReadOnlyList<object?> { Count: > 0 } list when list.All(v => Equals(v, list[0])) && list[0] is long l => l,
        var other => throw WrongType(name, "an integer", other),
    };

    /// <summary>An int-or-tuple attribute (kernel_size, stride, padding, dilation) as a tuple of <paramref name="rank"/>.</summary>
    public long[] GetInts(string name, int rank = 2) => Attribute(name) switch
    {
        long l => Enumerable.Repeat(l, rank).ToArray(),
        IReadOnlyList<object?> list when list.Count == rank && list.All(v => v is long) => list.Cast<long>().ToArray(),
        var other => throw WrongType(name, $"an integer or a tuple of {rank}", other),
    };

    public double GetDouble(string name) => Attribute(name) switch
    {
        double d => d,
        long l => l,
        var other => throw WrongType(name, "a number", other),
    };

    public string? GetString(string name) => Attribute(name) switch
    {
        null => null,
        string s => s,
        var other => throw WrongType(name, "a string", other),
    };

    public bool GetBool(string name) => Attribute(name) switch
    {
        bool b => b,
        long l => l != 0,
        var other => throw WrongType(name, "a boolean", other),
    };

    private InvalidDataException Missing(string name) =>
        new($"Module '{Path}' ({TypeName}) has no attribute '{name}'.");

    private InvalidDataException WrongType(string name, string expected, object? value) =>
        new($"Module '{Path}' ({TypeName}): attribute '{name}' should be {expected} but is {Format(value)}.");

    /// <summary>A value as Python would print it, for messages; cut at about 1000 characters, since a hostile
    /// checkpoint may share one list many times over.</summary>
    internal static string Format(object? value)
    {
        var text = new System.Text.StringBuilder();
        Append(text, value, 1000);
        return text.ToString();
    }

    private static void Append(System.Text.StringBuilder text, object? value, int budget)
    {
        if (text.Length > budget)
        {
            if (!text.ToString().EndsWith("...", StringComparison.Ordinal)) text.Append("...");
            return;
        }
        switch (value)
        {
            case null: text.Append("None"); break;
            case string s: text.Append('\'').Append(s.Length > budget ? s[..budget] + "..." : s).Append('\''); break;
            case double d: text.Append(d.ToString("R", CultureInfo.InvariantCulture)); break;
            case bool b: text.Append(b ? "True" : "False"); break;
            case byte[] bytes: text.Append(CultureInfo.InvariantCulture, $"{bytes.Length} bytes"); break;
            case CheckpointTensor t: text.Append("tensor ").Append(t.ShapeText); break;
            case IReadOnlyList<object?> list:
                text.Append('[');
                for (int i = 0; i < list.Count && text.Length <= budget; i++)
                {
                    if (i > 0) text.Append(", ");
                    Append(text, list[i], budget);
                }
                text.Append(']');
                break;
            case IReadOnlyDictionary<object, object?> dict:
                text.Append('{');
                foreach (var (k, v) in dict)
                {
                    if (text.Length > budget) break;
                    if (text[^1] != '{') text.Append(", ");
                    Append(text, k, budget);
                    text.Append(": ");
                    Append(text, v, budget);
                }
                text.Append('}');
                break;
            default: text.Append(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "?"); break;
        }
    }
}

/// <summary>Orders dotted paths segment by segment, numbers numerically: model.2 before model.10.</summary>
public sealed class NaturalPathComparer : IComparer<string>
{
    public static readonly NaturalPathComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var a = x.Split('.');
        var b = y.Split('.');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            bool na = long.TryParse(a[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ia);
            bool nb = long.TryParse(b[i], NumberStyles.None, CultureInfo.InvariantCulture, out var ib);
            int c = na && nb ? ia.CompareTo(ib) : na ? -1 : nb ? 1 : string.CompareOrdinal(a[i], b[i]);
            if (c != 0) return c;
        }
        return a.Length.CompareTo(b.Length);
    }
}
