namespace YoloCompress.Core.Checkpoints;

/// <summary>Turns the pickled model (inert objects, dictionaries, tensor views) into a <see cref="YoloCheckpoint"/>:
/// the module tree with plain attributes, every parameter and buffer as float32, the architecture, names and
/// strides. Bounded against hostile files: the module tree may be at most <see cref="MaxModuleDepth"/> deep and
/// <see cref="MaxModules"/> modules large (a module may be shared, as YOLOv5's Conv.default_act is, but a chain
/// of shared modules must not expand exponentially), and the tensors may expand to at most twice the storage
/// bytes in the archive (a tensor object referred to twice is converted once).</summary>
internal sealed class CheckpointConverter
{
    public const int MaxModuleDepth = 64;
    public const int MaxModules = 100_000;

    private readonly StorageArchive _archive;
    private readonly SortedDictionary<string, CheckpointTensor> _tensors = new(NaturalPathComparer.Instance);
    private readonly Dictionary<PickledTensor, float[]> _materialized = new(ReferenceEqualityComparer.Instance);
    private readonly PlainValueConverter _plain;
    private readonly long _elementBudget;
    private long _elements;
    private int _modules;

    public CheckpointConverter(StorageArchive archive)
    {
        _archive = archive;
        _plain = new PlainValueConverter((t, name) => Tensor(name, t));
        _elementBudget = 2 * archive.DeclaredStorageBytes + (1 << 20);
    }

    public YoloCheckpoint Convert(string key, PickleObject model)
    {
        var root = ConvertModule("", model, 0);

        if (!root.Attributes.TryGetValue("yaml", out var yamlValue) || yamlValue is not IReadOnlyDictionary<object, object?> yaml)
            throw new InvalidDataException($"the model ({root.TypeName}) has no 'yaml' architecture dictionary.");
        ModelArchitecture architecture;
        try
        {
            architecture = ModelArchitecture.FromYaml(yaml);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException("bad architecture: " + e.Message, e);
        }

        var names = ReadNames(root.Attributes.GetValueOrDefault("names"), architecture.ClassCount);
        var strideTensor = root.Attributes.GetValueOrDefault("stride") as CheckpointTensor
                           ?? root.SelfAndDescendants().Select(m => m.Attributes.GetValueOrDefault("stride") as CheckpointTensor).FirstOrDefault(t => t is not null)
                           ?? throw new InvalidDataException("the model has no 'stride' tensor.");
        return new YoloCheckpoint(_archive.Path, key, architecture, names, strideTensor.Data, root, _tensors);
    }

    private CheckpointModule ConvertModule(string path, PickleObject obj, int depth)
    {
        string Join(string name) => path.Length == 0 ? name : path + "." + name;
        if (depth > MaxModuleDepth) throw new InvalidDataException($"module '{PickleInput.Shorten(path)}' nests more than {MaxModuleDepth} modules deep.");
        if (++_modules > MaxModules) throw new InvalidDataException($"the model has more than {MaxModules} modules (shared modules counted at every place they appear).");
        var state = obj.Attributes;

        var parameterNames = new List<string>();
        var bufferNames = new List<string>();
        foreach (var (group, tensorNames) in new[] { ("_parameters", parameterNames), ("_buffers", bufferNames) })
        {
            if (state.GetValueOrDefault(group) is not PickleDict table) continue;
            foreach (var (key, value) in table.Entries)
            {
                if (value is null) continue; // e.g. Conv2d.bias = None
                var name = key as string ?? throw new InvalidDataException($"module '{path}' has a non-string {group} key {PickleValues.Describe(key)}.");
                if (value is not PickledTensor pickled)
                    throw new InvalidDataException($"'{Join(name)}' is {PickleValues.Describe(value)}, not a tensor.");
                // Weights are floating point in every torch model; an integer storage here means a damaged pickle.
                if (group == "_parameters" && pickled.Storage.Type is not (StorageType.Half or StorageType.BFloat16 or StorageType.Float or StorageType.Double))
                    throw new InvalidDataException($"parameter '{Join(name)}' is stored as {pickled.Storage.Type}, not as floating point.");
                _tensors[Join(name)] = Tensor(Join(name), pickled);
                tensorNames.Add(name);
            }
        }

        var children = new List<CheckpointModule>();
        if (state.GetValueOrDefault("_modules") is PickleDict childTable)
        {
            foreach (var (key, value) in childTable.Entries)
            {
                if (value is null) continue;
                var name = key as string ?? throw new InvalidDataException($"module '{path}' has a non-string child name {PickleValues.Describe(key)}.");
                if (value is not PickleObject child)
                    throw new InvalidDataException($"module '{Join(name)}' is {PickleValues.Describe(value)}, not a module.");
                children.Add(ConvertModule(Join(name), child, depth + 1));
            }
        }
        children.Sort((a, b) => NaturalPathComparer.Instance.Compare(a.Path, b.Path));
        parameterNames.Sort(StringComparer.Ordinal);
        bufferNames.Sort(StringComparer.Ordinal);

        var attributes = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in state.Entries)
        {
            if (key is not string name || name.StartsWith('_') || name == "training") continue;
            attributes[name] = _plain.Convert(value, Join(name));
        }
        return new CheckpointModule(path, obj.FullName, attributes, children, parameterNames, bufferNames);
    }

    private CheckpointTensor Tensor(string name, PickledTensor t) =>
        new(name, t.Size.Select(s => (int)s).ToArray(), Materialize(name, t));

    private float[] Materialize(string name, PickledTensor t)
    {
        if (_materialized.TryGetValue(t, out var data)) return data;
        data = t.ToFloatArray(name);
        _elements += data.LongLength;
        if (_elements > _elementBudget)
            throw new InvalidDataException($"the tensors expand to more than {_elementBudget} values from {_archive.DeclaredStorageBytes} bytes of storage: " +
                "tensors view the same storage over and over.");
        _materialized[t] = data;
        return data;
    }

    /// <summary>names is a list, or (newer checkpoints) a dict {0: 'person', ...}.</summary>
    private static IReadOnlyList<string> ReadNames(object? value, int classCount)
    {
        switch (value)
        {
            case null:
                return Enumerable.Range(0, classCount).Select(i => $"class{i}").ToList();
            case IReadOnlyList<object?> list:
                return list.Select((n, i) => n as string ?? throw new InvalidDataException($"class name {i} is {CheckpointModule.Format(n)}, not a string.")).ToList();
            case IReadOnlyDictionary<object, object?> dict:
                var names = new List<string>();
                foreach (var (k, v) in dict)
                {
                    if (k is not long id || id != names.Count)
                        throw new InvalidDataException($"class names dictionary key {CheckpointModule.Format(k)} is not the next class id {names.Count}.");
                    names.Add(v as string ?? throw new InvalidDataException($"class name {id} is not a string."));
                }
                return names;
            default:
                throw new InvalidDataException($"'names' is {CheckpointModule.Format(value)}, neither a list nor a dictionary.");
        }
    }
}
