using System.Collections;
using Razorvine.Pickle.Objects;

namespace YoloCompress.Core.Checkpoints;

/// <summary>Reads ultralytics YOLOv5 <c>.pt</c> checkpoints (PyTorch zip archives) without Python.</summary>
public static class CheckpointReader
{
    /// <summary>Reads the checkpoint at <paramref name="path"/>. Takes <c>ema</c> when present and not None,
    /// else <c>model</c>. Throws <see cref="CheckpointFormatException"/> naming the file and the problem.</summary>
    public static YoloCheckpoint Read(string path)
    {
        using var archive = StorageArchive.Open(path);
        object? root;
        try
        {
            var pickle = archive.ReadPickle();
            using var unpickler = new TorchUnpickler(archive);
            root = unpickler.loads(pickle);
        }
        catch (CheckpointFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CheckpointFormatException(path,
                $"'{archive.PickleEntryName}' cannot be unpickled (damaged, truncated, or not a checkpoint pickle): {e.Message}", e);
        }

        var (key, model) = SelectModel(path, root);
        try
        {
            return Convert(path, key, model) with { TrainingImageSize = TrainingImageSize(root) };
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path, e.Message, e);
        }
    }

    /// <summary>train.py saves <c>vars(opt)</c> as 'opt': 'imgsz' since v6.0, 'img_size' [train, test] before.</summary>
    private static int? TrainingImageSize(object? root)
    {
        if (root is not Hashtable dict || dict["opt"] is not Hashtable opt) return null;
        object? value = opt["imgsz"] ?? opt["img_size"];
        if (value is IList { Count: > 0 } list) value = list[0];
        return value switch
        {
            int i when i > 0 => i,
            long l when l is > 0 and < 100_000 => (int)l,
            _ => null,
        };
    }

    private static (string Key, ClassDict Model) SelectModel(string path, object? root)
    {
        switch (root)
        {
            case Hashtable dict:
                foreach (var key in new[] { "ema", "model" })
                {
                    var value = dict[key];
                    if (value is null) continue;
                    if (value is ClassDict m && m.ContainsKey("_modules")) return (key, m);
                    throw new CheckpointFormatException(path, $"'{key}' is {PickleValues.Describe(value)}, not a pickled nn.Module.");
                }
                var keys = string.Join(", ", dict.Keys.Cast<object>().Select(k => k.ToString()).Order(StringComparer.Ordinal));
                throw new CheckpointFormatException(path, $"the checkpoint holds no model: neither 'ema' nor 'model' is set (keys: {keys}).");
            case ClassDict m when m.ContainsKey("_modules"):
                return ("model", m); // torch.save(model) without the training dict
            default:
                throw new CheckpointFormatException(path, $"the pickle holds {PickleValues.Describe(root)}, not a checkpoint dictionary.");
        }
    }

    private static YoloCheckpoint Convert(string path, string key, ClassDict model)
    {
        var tensors = new SortedDictionary<string, CheckpointTensor>(NaturalPathComparer.Instance);
        var root = ConvertModule("", model, tensors);

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
        return new YoloCheckpoint(path, key, architecture, names, strideTensor.Data, root, tensors);
    }

    private static CheckpointModule ConvertModule(string path, ClassDict obj, SortedDictionary<string, CheckpointTensor> tensors)
    {
        string Join(string name) => path.Length == 0 ? name : path + "." + name;

        var parameterNames = new List<string>();
        var bufferNames = new List<string>();
        foreach (var (group, tensorNames) in new[] { ("_parameters", parameterNames), ("_buffers", bufferNames) })
        {
            if (!obj.TryGetValue(group, out var value) || value is not Hashtable table) continue;
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Value is null) continue; // e.g. Conv2d.bias = None
                var name = entry.Key as string ?? throw new InvalidDataException($"module '{path}' has a non-string {group} key.");
                if (entry.Value is not PickledTensor pickled)
                    throw new InvalidDataException($"'{Join(name)}' is {PickleValues.Describe(entry.Value)}, not a tensor.");
                tensors[Join(name)] = Materialize(Join(name), pickled);
                tensorNames.Add(name);
            }
        }

        var children = new List<CheckpointModule>();
        if (obj.TryGetValue("_modules", out var modules) && modules is Hashtable childTable)
        {
            foreach (DictionaryEntry entry in childTable)
            {
                if (entry.Value is null) continue;
                var name = entry.Key as string ?? throw new InvalidDataException($"module '{path}' has a non-string child name.");
                if (entry.Value is not ClassDict child)
                    throw new InvalidDataException($"module '{Join(name)}' is {PickleValues.Describe(entry.Value)}, not a module.");
                children.Add(ConvertModule(Join(name), child, tensors));
            }
        }
        children.Sort((a, b) => NaturalPathComparer.Instance.Compare(a.Path, b.Path));
        parameterNames.Sort(StringComparer.Ordinal);
        bufferNames.Sort(StringComparer.Ordinal);

        var attributes = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            if (name.StartsWith('_') || name == "training") continue;
            attributes[name] = PickleValues.ToPlain(value, t => Materialize(Join(name), t));
        }
        return new CheckpointModule(path, obj.ClassName, attributes, children, parameterNames, bufferNames);
    }

    private static CheckpointTensor Materialize(string name, PickledTensor t) =>
        new(name, t.Size.Select(s => checked((int)s)).ToArray(), t.ToFloatArray(name));

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
