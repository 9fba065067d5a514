using System.Buffers.Binary;
using System.Text;

namespace YoloCompress.Tests.Checkpoints;

/// <summary>Writes pickles opcode by opcode, as Python's pickler would for the values the tests need (numpy
/// arrays, paths, dataclasses, torch tensors...), so checkpoints with any content can be built without Python.
/// Methods append one opcode (or a short fixed sequence) and return the writer.</summary>
internal sealed class PickleWriter
{
    private readonly MemoryStream _bytes = new();

    public byte[] ToArray() => _bytes.ToArray();

    public PickleWriter Op(char opcode) => Byte((byte)opcode);

    public PickleWriter Byte(byte b)
    {
        _bytes.WriteByte(b);
        return this;
    }

    public PickleWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public PickleWriter Proto(int version) => Byte(0x80).Byte((byte)version);

    public PickleWriter Stop() => Op('.');

    public PickleWriter Mark() => Op('(');

    public PickleWriter None() => Op('N');

    public PickleWriter Bool(bool b) => Byte(b ? (byte)0x88 : (byte)0x89);

    /// <summary>BININT1, BININT2, BININT or LONG1, as the pickler picks by size.</summary>
    public PickleWriter Int(long value)
    {
        if (value is >= 0 and <= 0xff) return Op('K').Byte((byte)value);
        if (value is >= 0 and <= 0xffff) return Op('M').Le16((ushort)value);
        if (value is >= int.MinValue and <= int.MaxValue) return Op('J').Le32((int)value);
        var bytes = new System.Numerics.BigInteger(value).ToByteArray();
        return Byte(0x8a).Byte((byte)bytes.Length).Raw(bytes);
    }

    public PickleWriter Float(double value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(b, value);
        return Op('G').Raw(b);
    }

    /// <summary>BINUNICODE (protocol 1+), or SHORT_BINUNICODE with <paramref name="shortForm"/> (protocol 4).</summary>
    public PickleWriter Str(string s, bool shortForm = false)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        return shortForm ? Byte(0x8c).Byte((byte)utf8.Length).Raw(utf8) : Op('X').Le32(utf8.Length).Raw(utf8);
    }

    /// <summary>Python 3 bytes as protocol 2 writes them: <c>_codecs.encode('latin-1 text', 'latin1')</c>.</summary>
    public PickleWriter BytesProtocol2(byte[] data) =>
        Global("_codecs", "encode").Str(Encoding.Latin1.GetString(data)).Str("latin1").Tuple(2).Reduce();

    /// <summary>BINBYTES (protocol 3+).</summary>
    public PickleWriter Bytes(byte[] data) => Op('B').Le32(data.Length).Raw(data);

    public PickleWriter Global(string module, string name) => Op('c').Line(module).Line(name);

    /// <summary>INST (protocol 0): calls module.name with the values since the mark.</summary>
    public PickleWriter Inst(string module, string name) => Op('i').Line(module).Line(name);

    /// <summary>OBJ (protocol 1): calls the first value since the mark with the rest.</summary>
    public PickleWriter ObjOp() => Op('o');

    public PickleWriter StackGlobal(string module, string name) => Str(module, true).Str(name, true).Byte(0x93);

    public PickleWriter Reduce() => Op('R');

    public PickleWriter NewObj() => Byte(0x81);

    public PickleWriter NewObjEx() => Byte(0x92);

    public PickleWriter Build() => Op('b');

    /// <summary>A tuple of the top <paramref name="count"/> values: EMPTY_TUPLE, TUPLE1-3, or MARK must precede for more.</summary>
    public PickleWriter Tuple(int count) => count switch
    {
        0 => Op(')'),
        1 => Byte(0x85),
        2 => Byte(0x86),
        3 => Byte(0x87),
        _ => Op('t'),
    };

    public PickleWriter TupleFromMark() => Op('t');

    public PickleWriter EmptyDict() => Op('}');

    public PickleWriter SetItem() => Op('s');

    public PickleWriter SetItems() => Op('u');

    public PickleWriter EmptyList() => Op(']');

    public PickleWriter Append() => Op('a');

    public PickleWriter Appends() => Op('e');

    public PickleWriter Put(uint index) => index <= 0xff ? Op('q').Byte((byte)index) : Op('r').Le32((int)index);

    public PickleWriter Get(uint index) => index <= 0xff ? Op('h').Byte((byte)index) : Op('j').Le32((int)index);

    /// <summary>A dict entry for SETITEMS: the key, then whatever <paramref name="value"/> writes.</summary>
    public PickleWriter Entry(string key, Action<PickleWriter> value)
    {
        Str(key);
        value(this);
        return this;
    }

    /// <summary>An instance the way protocol 2 pickles a plain class: <c>cls.__new__(cls)</c>, then its __dict__.</summary>
    public PickleWriter Object(string module, string name, params (string Key, Action<PickleWriter> Value)[] attributes)
    {
        Global(module, name).Tuple(0).NewObj().EmptyDict().Mark();
        foreach (var (key, value) in attributes) Entry(key, value);
        return SetItems().Build();
    }

    /// <summary><c>collections.OrderedDict()</c> with entries, as torch pickles _parameters / _modules.</summary>
    public PickleWriter OrderedDict(params (string Key, Action<PickleWriter> Value)[] entries)
    {
        Global("collections", "OrderedDict").Tuple(0).Reduce();
        if (entries.Length == 0) return this;
        Mark();
        foreach (var (key, value) in entries) Entry(key, value);
        return SetItems();
    }

    /// <summary>A torch tensor: <c>_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())</c>.</summary>
    public PickleWriter Tensor(string storageType, string key, long numel, long[] size, long offset = 0, long[]? stride = null)
    {
        stride ??= ContiguousStride(size);
        Global("torch._utils", "_rebuild_tensor_v2");
        Mark();
        Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel).TupleFromMark().Op('Q');
        Int(offset);
        Mark(); foreach (var s in size) Int(s); TupleFromMark();
        Mark(); foreach (var s in stride) Int(s); TupleFromMark();
        Bool(false);
        OrderedDict();
        return TupleFromMark().Reduce();
    }

    /// <summary>A numpy array as numpy pickles it: _reconstruct(ndarray, (0,), b'b') then BUILD with
    /// (1, shape, dtype, is_fortran, raw bytes); the dtype is numpy.dtype('f8', False, True) with its state.</summary>
    public PickleWriter NumpyArray(double[] values, string module = "numpy.core.multiarray")
    {
        Global(module, "_reconstruct").Global("numpy", "ndarray").Int(0).Tuple(1).BytesProtocol2("b"u8.ToArray()).Tuple(3).Reduce();
        Mark().Int(1).Int(values.Length).Tuple(1);
        NumpyDtype("f8");
        Bool(false);
        BytesProtocol2(values.SelectMany(BitConverter.GetBytes).ToArray());
        return TupleFromMark().Build();
    }

    /// <summary><c>numpy.core.multiarray.scalar(dtype('f8'), raw bytes)</c>, e.g. a numpy.float64 best_fitness.</summary>
    public PickleWriter NumpyScalar(double value)
    {
        Global("numpy.core.multiarray", "scalar");
        NumpyDtype("f8");
        BytesProtocol2(BitConverter.GetBytes(value));
        return Tuple(2).Reduce();
    }

    public PickleWriter NumpyDtype(string code) =>
        Global("numpy", "dtype").Str(code).Bool(false).Bool(true).Tuple(3).Reduce()
            .Mark().Int(3).Str("<").None().None().None().Int(-1).Int(-1).Int(0).TupleFromMark().Build();

    private PickleWriter Line(string text) => Raw(Encoding.ASCII.GetBytes(text + "\n"));

    private PickleWriter Le16(ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        return Raw(b);
    }

    private PickleWriter Le32(int v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        return Raw(b);
    }

    private static long[] ContiguousStride(long[] size)
    {
        var stride = new long[size.Length];
        long s = 1;
        for (int d = size.Length - 1; d >= 0; d--)
        {
            stride[d] = s;
            s *= size[d];
        }
        return stride;
    }
}
