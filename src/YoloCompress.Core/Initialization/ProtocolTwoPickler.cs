using System.Buffers.Binary;
using System.Text;

namespace YoloCompress.Core.Initialization;

/// <summary>Writes a value tree as <c>torch.save</c> pickles it (protocol 2, Python's opcode choices and memo):
/// modules as <c>cls.__new__(cls)</c> then their __dict__, tensors as <c>_rebuild_tensor_v2</c> of a persistent
/// storage id, whose bytes are collected in <see cref="Storages"/> under keys "0", "1"... in order of first use.
/// A module or tensor met twice is written once and referred to after (torch shares Conv.default_act so).</summary>
internal sealed class ProtocolTwoPickler
{
    private const int Batch = 1000;
    private readonly MemoryStream _out = new();
    private readonly Dictionary<object, uint> _memo = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, uint> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, uint> _globals = new(StringComparer.Ordinal);
    private uint _next;

    public List<(string Key, byte[] Data)> Storages { get; } = new();

    public byte[] Pickle(object? root)
    {
        _out.Write([0x80, 2]);
        Save(root);
        _out.WriteByte((byte)'.');
        return _out.ToArray();
    }

    private void Save(object? value)
    {
        switch (value)
        {
            case null: Op('N'); break;
            case bool b: _out.WriteByte(b ? (byte)0x88 : (byte)0x89); break;
            case int i: Int(i); break;
            case long l: Int(l); break;
            case double d: Float(d); break;
            case string s: Str(s); break;
            case PyTuple t: Tuple(t.Items); break;
            case TorchModule m: Module(m); break;
            case TorchTensor t: Tensor(t); break;
            case StorageClass c: Global("torch", c.Type + "Storage"); break;
            case IDictionary<object, object?> d: Dict(d.Select(e => (e.Key, e.Value)).ToList()); break;
            case System.Collections.IList list: List(list.Cast<object?>().ToList()); break;
            default: throw new ArgumentException($"cannot pickle a {value.GetType().Name}.", nameof(value));
        }
    }

    private bool Recall(object value)
    {
        if (!_memo.TryGetValue(value, out var index)) return false;
        Get(index);
        return true;
    }

    private void Remember(object value) => _memo[value] = Put();

    private void Str(string s)
    {
        if (_strings.TryGetValue(s, out var index))
        {
            Get(index);
            return;
        }
        var utf8 = Encoding.UTF8.GetBytes(s);
        Op('X');
        Le32(utf8.Length);
        _out.Write(utf8);
        _strings[s] = Put();
    }

    private void Global(string module, string name)
    {
        var key = module + "\n" + name;
        if (_globals.TryGetValue(key, out var index))
        {
            Get(index);
            return;
        }
        Op('c');
        _out.Write(Encoding.ASCII.GetBytes(key + "\n"));
        _globals[key] = Put();
    }

    private void Tuple(object?[] items)
    {
        if (items.Length == 0)
        {
            Op(')');
            return;
        }
        if (items.Length > 3) Op('(');
        foreach (var item in items) Save(item);
        _out.WriteByte(items.Length switch { 1 => 0x85, 2 => 0x86, 3 => 0x87, _ => (byte)'t' });
        Put();
    }

    private void List(List<object?> items)
    {
        Op(']');
        Put();
        Batched(items, Save, 'a', 'e');
    }

    private void Dict(List<(object Key, object? Value)> entries)
    {
        Op('}');
        Put();
        Entries(entries);
    }

    private void Entries(List<(object Key, object? Value)> entries) =>
        Batched(entries, e => { Save(e.Key); Save(e.Value); }, 's', 'u');

    private void Batched<T>(List<T> items, Action<T> save, char one, char many)
    {
        for (int start = 0; start < items.Count; start += Batch)
        {
            var chunk = items.Skip(start).Take(Batch).ToList();
            if (chunk.Count > 1) Op('(');
            foreach (var item in chunk) save(item);
            Op(chunk.Count > 1 ? many : one);
        }
    }

    /// <summary>collections.OrderedDict as its __reduce__ gives it: OrderedDict() then SETITEMS.</summary>
    private void OrderedDict<T>(IEnumerable<(string Name, T Value)> entries)
    {
        Global("collections", "OrderedDict");
        Op(')');
        Op('R');
        Put();
        Entries(entries.Select(e => ((object)e.Name, (object?)e.Value)).ToList());
    }

    private void Module(TorchModule m)
    {
        if (Recall(m)) return;
        Global(m.PythonModule, m.ClassName);
        Op(')');
        _out.WriteByte(0x81); // NEWOBJ
        Remember(m);
        Op('}');
        Put();
        Op('(');
        Str("training"); Save(false);
        Str("_parameters"); OrderedDict(m.Parameters);
        Str("_buffers"); OrderedDict(m.Buffers);
        Str("_non_persistent_buffers_set"); EmptySet();
        Str("_backward_hooks"); OrderedDict(Array.Empty<(string, object?)>());
        Str("_is_full_backward_hook"); Save(null);
        foreach (var hooks in new[] { "_forward_hooks", "_forward_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks" })
        {
            Str(hooks);
            OrderedDict(Array.Empty<(string, object?)>());
        }
        Str("_modules"); OrderedDict(m.Children);
        foreach (var (name, value) in m.Attributes)
        {
            Str(name);
            Save(value);
        }
        Op('u');
        Op('b');
    }

    private void EmptySet()
    {
        Global("__builtin__", "set");
        Op(']');
        Put();
        _out.WriteByte(0x85);
        Put();
        Op('R');
        Put();
    }

    private void Tensor(TorchTensor t)
    {
        if (Recall(t)) return;
        if (t.IsParameter)
        {
            Global("torch._utils", "_rebuild_parameter");
            Save(new TorchTensor(t.Storage, t.Shape, t.Values));
            Save(false);
            OrderedDict(Array.Empty<(string, object?)>());
            _out.WriteByte(0x87);
            Put();
            Op('R');
            Remember(t);
            return;
        }
        Global("torch._utils", "_rebuild_tensor_v2");
        Op('(');
        var key = Storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Storages.Add((key, StorageBytes(t)));
        Tuple(new object?[] { "storage", new StorageClass(t.Storage), key, "cpu", (long)t.Values.Length });
        Op('Q'); // BINPERSID
        Int(0);
        Tuple(t.Shape.Select(d => (object?)(long)d).ToArray());
        Tuple(ContiguousStrides(t.Shape).Select(s => (object?)s).ToArray());
        Save(false);
        OrderedDict(Array.Empty<(string, object?)>());
        Op('t');
        Put();
        Op('R');
        Remember(t);
    }

    private sealed record StorageClass(TorchStorageType Type);

    private static long[] ContiguousStrides(int[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }
        return strides;
    }

    private static byte[] StorageBytes(TorchTensor t)
    {
        int size = t.Storage switch { TorchStorageType.Half => 2, TorchStorageType.Float => 4, _ => 8 };
        var bytes = new byte[t.Values.Length * size];
        for (int i = 0; i < t.Values.Length; i++)
        {
            var span = bytes.AsSpan(i * size, size);
            double v = t.Values[i];
            switch (t.Storage)
            {
                case TorchStorageType.Half: BinaryPrimitives.WriteHalfLittleEndian(span, (Half)v); break;
                case TorchStorageType.Float: BinaryPrimitives.WriteSingleLittleEndian(span, (float)v); break;
                case TorchStorageType.Double: BinaryPrimitives.WriteDoubleLittleEndian(span, v); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(span, (long)v); break;
            }
        }
        return bytes;
    }

    private void Int(long value)
    {
        if (value is >= 0 and <= 0xff)
        {
            Op('K');
            _out.WriteByte((byte)value);
        }
        else if (value is >= 0 and <= 0xffff)
        {
            Op('M');
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            _out.Write(b);
        }
        else if (value is >= int.MinValue and <= int.MaxValue)
        {
            Op('J');
            Le32((int)value);
        }
        else
        {
            var bytes = new System.Numerics.BigInteger(value).ToByteArray();
            _out.WriteByte(0x8a);
            _out.WriteByte((byte)bytes.Length);
            _out.Write(bytes);
        }
    }

    private void Float(double value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        Op('G');
        _out.Write(b);
    }

    private uint Put()
    {
        uint index = _next++;
        if (index <= 0xff)
        {
            Op('q');
            _out.WriteByte((byte)index);
        }
        else
        {
            Op('r');
            Le32((int)index);
        }
        return index;
    }

    private void Get(uint index)
    {
        if (index <= 0xff)
        {
            Op('h');
            _out.WriteByte((byte)index);
        }
        else
        {
            Op('j');
            Le32((int)index);
        }
    }

    private void Op(char opcode) => _out.WriteByte((byte)opcode);

    private void Le32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        _out.Write(b);
    }
}
