using System.Globalization;

namespace YoloCompress.Core.Checkpoints;

/// <summary>The network description a YOLOv5 model carries in its <c>yaml</c> attribute: the same dictionary
/// ultralytics' <c>parse_model</c> reads (nc, depth_multiple, width_multiple, anchors, backbone + head).</summary>
/// <param name="ClassCount">nc.</param>
/// <param name="Anchors">Anchor sizes in pixels per detection level (w, h pairs), or null when the yaml gives
/// only a count (the real anchors then come from the Detect module's buffer).</param>
/// <param name="AnchorsPerLevel">Anchors per level (na).</param>
/// <param name="InputChannels">ch, 3 unless the yaml says otherwise.</param>
/// <param name="Layers">backbone then head, indexed from 0 as parse_model numbers them.</param>
/// <param name="Activation">The yaml's optional <c>activation</c> override (e.g. "nn.LeakyReLU(0.1)"), informative:
/// the builder reads each activation from the pickled modules.</param>
public sealed record ModelArchitecture(
    int ClassCount,
    double DepthMultiple,
    double WidthMultiple,
    IReadOnlyList<IReadOnlyList<double>>? Anchors,
    int AnchorsPerLevel,
    int InputChannels,
    IReadOnlyList<LayerSpec> Layers,
    string? Activation)
{
    /// <summary>Reads the yaml dictionary; throws <see cref="InvalidDataException"/> naming the key at fault.</summary>
    public static ModelArchitecture FromYaml(IReadOnlyDictionary<object, object?> yaml)
    {
        object? Get(string key) => yaml.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"the model's yaml has no '{key}'.");
        int nc = (int)AsLong(Get("nc"), "nc");
        double gd = AsDouble(Get("depth_multiple"), "depth_multiple");
        double gw = AsDouble(Get("width_multiple"), "width_multiple");

        IReadOnlyList<IReadOnlyList<double>>? anchors = null;
        int na;
        switch (Get("anchors"))
        {
            case long count:
                na = (int)count;
                break;
            case IReadOnlyList<object?> levels when levels.Count > 0:
                anchors = levels.Select((level, i) => level is IReadOnlyList<object?> values
                        ? (IReadOnlyList<double>)values.Select(v => AsDouble(v, $"anchors[{i}]")).ToList()
                        : throw new InvalidDataException($"yaml anchors[{i}] is not a list."))
                    .ToList();
                na = anchors[0].Count / 2;
                break;
            default:
                throw new InvalidDataException("yaml 'anchors' is neither a count nor a list of levels.");
        }

        var layers = new List<LayerSpec>();
        foreach (var section in new[] { "backbone", "head" })
        {
            if (Get(section) is not IReadOnlyList<object?> entries)
                throw new InvalidDataException($"yaml '{section}' is not a list of layers.");
            foreach (var entry in entries) layers.Add(LayerSpec.Parse(layers.Count, entry));
        }
        int ch = yaml.TryGetValue("ch", out var c) && c is long chl ? (int)chl : 3;
        string? act = yaml.TryGetValue("activation", out var a) ? a as string : null;
        return new ModelArchitecture(nc, gd, gw, anchors, na, ch, layers, act);
    }

    /// <summary>parse_model's depth gain: <c>max(round(n * gd), 1) if n > 1 else n</c>, with Python's
    /// round-half-to-even.</summary>
    public int ScaledDepth(int n) => n > 1 ? Math.Max((int)Math.Round(n * DepthMultiple, MidpointRounding.ToEven), 1) : n;

    /// <summary>parse_model's width gain: <c>make_divisible(c * gw, 8)</c> = ceil(c * gw / 8) * 8.</summary>
    public int ScaledWidth(int channels) => (int)Math.Ceiling(channels * WidthMultiple / 8) * 8;

    internal static long AsLong(object? value, string what) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) => (long)d,
        _ => throw new InvalidDataException($"yaml {what} should be an integer but is {CheckpointModule.Format(value)}."),
    };

    internal static double AsDouble(object? value, string what) => value switch
    {
        double d => d,
        long l => l,
        _ => throw new InvalidDataException($"yaml {what} should be a number but is {CheckpointModule.Format(value)}."),
    };
}

/// <summary>One yaml layer <c>[from, number, module, args]</c>.</summary>
/// <param name="Index">Position in backbone + head (the <c>i</c> of <c>model.i</c>).</param>
/// <param name="From">Input layers; -1 is the previous layer, other negatives count from the end.</param>
/// <param name="Number">Repeats as written (before the depth multiple).</param>
/// <param name="Module">The module name as written: "Conv", "C3", "nn.Upsample", "Detect"...</param>
/// <param name="Args">Arguments as written (ints, floats, strings such as 'nc' or 'nearest', None, lists).</param>
public sealed record LayerSpec(int Index, IReadOnlyList<int> From, int Number, string Module, IReadOnlyList<object?> Args)
{
    internal static LayerSpec Parse(int index, object? entry)
    {
        if (entry is not IReadOnlyList<object?> { Count: 4 } parts)
            throw new InvalidDataException($"yaml layer {index} is not [from, number, module, args].");
        IReadOnlyList<int> from = parts[0] switch
        {
            long l => new[] { (int)l },
            IReadOnlyList<object?> list => list.Select(v => (int)ModelArchitecture.AsLong(v, $"layer {index} 'from'")).ToArray(),
            var other => throw new InvalidDataException($"yaml layer {index}: 'from' is {CheckpointModule.Format(other)}."),
        };
        int number = (int)ModelArchitecture.AsLong(parts[1], $"layer {index} 'number'");
        var module = parts[2] as string ?? throw new InvalidDataException($"yaml layer {index}: module is not a name.");
        var args = parts[3] as IReadOnlyList<object?> ?? throw new InvalidDataException($"yaml layer {index}: args is not a list.");
        return new LayerSpec(index, from, number, module, args);
    }

    /// <summary>The layer as the yaml writes it, for messages: [-1, 1, Conv, [64, 6, 2, 2]].</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"[{(From.Count == 1 ? From[0].ToString(CultureInfo.InvariantCulture) : "[" + string.Join(", ", From) + "]")}, {Number}, {Module}, {CheckpointModule.Format(Args)}]");
}
