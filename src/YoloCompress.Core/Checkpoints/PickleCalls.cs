using System.Text;

namespace YoloCompress.Core.Checkpoints;

/// <summary>What the pickle's calls (REDUCE, NEWOBJ, NEWOBJ_EX, INST, OBJ), BUILD and item opcodes produce.
/// A short allow-list of pure value builders (torch's tensor and parameter rebuilders, torch.Size, the
/// containers, the protocol-2 bytes and copyreg helpers) makes values; any other class or function becomes an
/// inert <see cref="PickleObject"/> recording its name and arguments, whatever they are. So metadata of any
/// kind (numpy arrays and scalars, paths, devices, dataclasses, argparse namespaces) reads as data, and a
/// pickle that asks for <c>os.system</c> or <c>builtins.eval</c> gets a record of having asked.</summary>
internal static class PickleCalls
{
    public static object? Call(object? callable, object?[] args, int offset)
    {
        if (callable is not PickleGlobal g)
            return new PickleObject("", $"<call of {PickleValues.Describe(callable)}>", args);
        switch (g.FullName)
        {
            case "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor" or "torch._utils._rebuild_tensor_v3":
                return PickledTensor.Rebuild(args, g.Name);
            case "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state":
                return args.Length >= 1 && args[0] is PickledTensor t
                    ? t
                    : throw new PickleFormatException($"{g.Name} at offset {offset} wants a tensor, found {PickleValues.Describe(args.FirstOrDefault())}.");
            case "torch._tensor._rebuild_from_type_v2" when args is [PickleGlobal inner, _, object?[] innerArgs, ..]:
                return Call(inner, innerArgs, offset); // a tensor subclass or a tensor with attributes: the tensor
            case "torch.Size":
                return args is [object?[] dims] ? dims : args;
            case "collections.OrderedDict" or "builtins.dict" or "__builtin__.dict":
                return DictFromPairs(args, g.FullName, offset);
            case "builtins.set" or "__builtin__.set" or "builtins.frozenset" or "__builtin__.frozenset":
                var set = new PickleSet();
                if (args is [List<object?> or object?[] or PickleSet, ..]) set.Items.AddRange(Items(args[0]));
                return set;
            case "builtins.list" or "__builtin__.list":
                return args is [List<object?> or object?[] or PickleSet, ..] ? Items(args[0]).ToList() : new List<object?>();
            case "builtins.tuple" or "__builtin__.tuple":
                return args is [List<object?> or object?[] or PickleSet, ..] ? Items(args[0]).ToArray() : Array.Empty<object?>();
            case "_codecs.encode" when args is [string text, "latin1" or "latin-1"]:
                return Encoding.Latin1.GetBytes(text); // how protocol 2 writes Python 3 bytes
            case "builtins.bytearray" or "__builtin__.bytearray" or "builtins.bytes" when args is [byte[] bytes]:
                return bytes;
            case "copyreg._reconstructor" or "copy_reg._reconstructor" when args is [PickleGlobal cls, ..]:
                return new PickleObject(cls.Module, cls.Name, args.Length > 2 && args[2] is not null ? args[2..] : []);
            case "copyreg.__newobj__" or "copy_reg.__newobj__" when args is [PickleGlobal cls, ..]:
                return New(cls, args[1..], null, offset);
            default:
                return new PickleObject(g.Module, g.Name, args);
        }
    }

    /// <summary>NEWOBJ / NEWOBJ_EX: <c>cls.__new__(cls, *args)</c>. Containers come out empty (their items follow);
    /// anything else is an inert object awaiting BUILD.</summary>
    public static object? New(object? cls, object?[] args, PickleDict? kwargs, int offset)
    {
        if (cls is not PickleGlobal g)
            throw new PickleFormatException($"NEWOBJ at offset {offset} wants a class, found {PickleValues.Describe(cls)}.");
        return g.FullName switch
        {
            "collections.OrderedDict" or "builtins.dict" => new PickleDict(),
            "builtins.set" or "builtins.frozenset" => new PickleSet(),
            "builtins.list" => new List<object?>(),
            _ => new PickleObject(g.Module, g.Name, args) { KeywordArgs = kwargs },
        };
    }

    /// <summary>BUILD: the state is recorded on the object, never passed to a __setstate__.</summary>
    public static void Build(object? target, object? state, int offset)
    {
        switch (target)
        {
            case PickleObject obj when obj.State is PickleDict existing && state is PickleDict more:
                foreach (var (k, v) in more.Entries) existing.Set(k, v);
                break;
            case PickleObject obj:
                obj.State = state;
                break;
            case PickleDict dict:
                dict.InstanceState = state; // OrderedDict attributes such as a state_dict's _metadata
                break;
            case PickledTensor:
                break; // a tensor's Python attributes: nothing a checkpoint reader needs
            default:
                throw new PickleFormatException($"BUILD at offset {offset} gives state to {PickleValues.Describe(target)}, which cannot take any.");
        }
    }

    public static void Append(object? target, object?[] items, int offset)
    {
        switch (target)
        {
            case List<object?> list: list.AddRange(items); break;
            case PickleSet set: set.Items.AddRange(items); break;
            case PickleObject obj: obj.Items.AddRange(items); break;
            default: throw new PickleFormatException($"the pickle appends items to {PickleValues.Describe(target)} at offset {offset}.");
        }
    }

    public static void SetItems(object? target, object?[] keysAndValues, int offset)
    {
        if (keysAndValues.Length % 2 != 0) throw new PickleFormatException($"SETITEMS at offset {offset} has a key without a value.");
        switch (target)
        {
            case PickleDict dict:
                for (int i = 0; i < keysAndValues.Length; i += 2) dict.Set(keysAndValues[i], keysAndValues[i + 1]);
                break;
            case PickleObject obj:
                for (int i = 0; i < keysAndValues.Length; i += 2) obj.Items.Add(new object?[] { keysAndValues[i], keysAndValues[i + 1] });
                break;
            default:
                throw new PickleFormatException($"the pickle sets items on {PickleValues.Describe(target)} at offset {offset}.");
        }
    }

    /// <summary>DICT: keys and values alternate since the mark.</summary>
    public static PickleDict DictOf(object?[] keysAndValues, int offset)
    {
        var dict = new PickleDict();
        SetItems(dict, keysAndValues, offset);
        return dict;
    }

    private static PickleDict DictFromPairs(object?[] args, string name, int offset)
    {
        var dict = new PickleDict();
        if (args.Length == 0) return dict;
        if (args[0] is PickleDict source)
        {
            foreach (var (k, v) in source.Entries) dict.Set(k, v);
            return dict;
        }
        foreach (var pair in Items(args[0]))
        {
            if (pair is not (object?[] or List<object?>) || Items(pair).ToArray() is not [var key, var value])
                throw new PickleFormatException($"{name} at offset {offset} wants (key, value) pairs, found {PickleValues.Describe(pair)}.");
            dict.Set(key, value);
        }
        return dict;
    }

    private static IEnumerable<object?> Items(object? sequence) => sequence switch
    {
        object?[] tuple => tuple,
        List<object?> list => list,
        PickleSet set => set.Items,
        _ => throw new PickleFormatException($"expected a sequence, found {PickleValues.Describe(sequence)}."),
    };
}
