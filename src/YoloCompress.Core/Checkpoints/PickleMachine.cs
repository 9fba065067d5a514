using System.Numerics;
using System.Text;

namespace YoloCompress.Core.Checkpoints;

/// <summary>The pickle virtual machine, protocols 0 to 5, written for checkpoints that may be hostile. Classes
/// and functions are names (<see cref="PickleGlobal"/>); calling one builds a value only for torch's tensor
/// rebuilders and the containers (see <see cref="PickleCalls"/>), everything else becomes an inert
/// <see cref="PickleObject"/>. Nothing is looked up by reflection or executed. It keeps no recursion (nesting
/// costs nothing here), and every value it holds was built by an opcode, so memory is linear in the input.</summary>
internal sealed class PickleMachine
{
    private readonly PickleInput _input;
    private readonly Func<object?, object?> _persistentLoad;
    private readonly List<object?> _stack = new();
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();

    private PickleMachine(byte[] pickle, Func<object?, object?> persistentLoad)
    {
        _input = new PickleInput(pickle);
        _persistentLoad = persistentLoad;
    }

    /// <summary>The value <paramref name="pickle"/> describes; <paramref name="persistentLoad"/> resolves
    /// PERSID/BINPERSID ids (torch's storages). Throws <see cref="PickleFormatException"/>.</summary>
    public static object? Load(byte[] pickle, Func<object?, object?> persistentLoad) =>
        new PickleMachine(pickle, persistentLoad).Run();

    private object? Run()
    {
        while (true)
        {
            int offset = _input.Position;
            byte op = _input.ReadByte();
            if (op == '.') return Pop(); // STOP: the value on top, as Python takes it
            Step(op, offset);
        }
    }

    private void Step(byte op, int offset)
    {
        switch (op)
        {
            case 0x80: // PROTO
                if (_input.ReadByte() > 5) throw new PickleFormatException($"pickle protocol above 5 at offset {offset}.");
                break;
            case 0x95: _input.ReadInt64(); break; // FRAME: a length hint only
            case (byte)'(': _marks.Push(_stack.Count); break;
            case (byte)'0': Pop(); break;
            case (byte)'1': PopMark(); break;
            case (byte)'2': Push(Peek()); break;

            // Scalars.
            case (byte)'N': Push(null); break;
            case 0x88: Push(true); break;
            case 0x89: Push(false); break;
            case (byte)'I': Push(TextInt(_input.ReadLine())); break;
            case (byte)'J': Push((long)_input.ReadInt32()); break;
            case (byte)'K': Push((long)_input.ReadByte()); break;
            case (byte)'M': Push((long)_input.ReadUInt16()); break;
            case (byte)'L': Push(Narrow(_input.ReadDecimal(_input.ReadLine()))); break;
            case 0x8a: Push(Narrow(new BigInteger(_input.Read(_input.ReadLength(1)), isUnsigned: false))); break; // LONG1
            case 0x8b: Push(Narrow(new BigInteger(_input.Read(_input.ReadLength(4)), isUnsigned: false))); break; // LONG4
            case (byte)'F': Push(TextFloat(_input.ReadLine())); break;
            case (byte)'G': Push(_input.ReadBigEndianDouble()); break;

            // Strings and bytes. Python 2 str (S, T, U) is read as Latin-1 text, as torch.load's default does.
            case (byte)'S': Push(PickleText.Quoted(_input.ReadLine())); break;
            case (byte)'T': Push(Encoding.Latin1.GetString(_input.Read(_input.ReadLength(4)))); break;
            case (byte)'U': Push(Encoding.Latin1.GetString(_input.Read(_input.ReadLength(1)))); break;
            case (byte)'V': Push(PickleText.RawUnicodeEscape(_input.ReadLine())); break;
            case 0x8c: Push(PickleText.Utf8(_input.Read(_input.ReadLength(1)))); break; // SHORT_BINUNICODE
            case (byte)'X': Push(PickleText.Utf8(_input.Read(_input.ReadLength(4)))); break;
            case 0x8d: Push(PickleText.Utf8(_input.Read(_input.ReadLength(8)))); break; // BINUNICODE8
            case (byte)'C': Push(_input.Read(_input.ReadLength(1)).ToArray()); break; // SHORT_BINBYTES
            case (byte)'B': Push(_input.Read(_input.ReadLength(4)).ToArray()); break;
            case 0x8e: Push(_input.Read(_input.ReadLength(8)).ToArray()); break; // BINBYTES8
            case 0x96: Push(_input.Read(_input.ReadLength(8)).ToArray()); break; // BYTEARRAY8
            case 0x97: throw new PickleFormatException("the pickle uses out-of-band buffers (NEXT_BUFFER), which torch.save never writes.");
            case 0x98: Peek(); break; // READONLY_BUFFER

            // Containers.
            case (byte)')': Push(Array.Empty<object?>()); break;
            case 0x85: Push(PopN(1)); break; // TUPLE1
            case 0x86: Push(PopN(2)); break;
            case 0x87: Push(PopN(3)); break;
            case (byte)'t': Push(PopMark()); break;
            case (byte)']': Push(new List<object?>()); break;
            case (byte)'l': Push(new List<object?>(PopMark())); break;
            case (byte)'}': Push(new PickleDict()); break;
            case (byte)'d': Push(PickleCalls.DictOf(PopMark(), offset)); break;
            case 0x8f: Push(new PickleSet()); break; // EMPTY_SET
            case 0x91: // FROZENSET
                var frozen = new PickleSet();
                frozen.Items.AddRange(PopMark());
                Push(frozen);
                break;
            case (byte)'a': { var item = Pop(); PickleCalls.Append(Peek(), new[] { item }, offset); break; }
            case (byte)'e': { var items = PopMark(); PickleCalls.Append(Peek(), items, offset); break; }
            case 0x90: { var items = PopMark(); PickleCalls.Append(Peek(), items, offset); break; } // ADDITEMS
            case (byte)'s': { var value = Pop(); var key = Pop(); PickleCalls.SetItems(Peek(), new[] { key, value }, offset); break; }
            case (byte)'u': { var items = PopMark(); PickleCalls.SetItems(Peek(), items, offset); break; }

            // Memo.
            case (byte)'p': _memo[MemoIndex(_input.ReadLine())] = Peek(); break;
            case (byte)'q': _memo[_input.ReadByte()] = Peek(); break;
            case (byte)'r': _memo[_input.ReadUInt32()] = Peek(); break;
            case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
            case (byte)'g': Push(Recall(MemoIndex(_input.ReadLine()), offset)); break;
            case (byte)'h': Push(Recall(_input.ReadByte(), offset)); break;
            case (byte)'j': Push(Recall(_input.ReadUInt32(), offset)); break;

            // Classes, calls and state: names and inert records, see PickleCalls.
            case (byte)'c': Push(new PickleGlobal(_input.ReadLine(), _input.ReadLine())); break;
            case 0x93: // STACK_GLOBAL
            {
                var name = Pop();
                var module = Pop();
                if (module is not string m || name is not string n)
                    throw new PickleFormatException($"STACK_GLOBAL at offset {offset} wants two strings, found {PickleValues.Describe(module)} and {PickleValues.Describe(name)}.");
                Push(new PickleGlobal(m, n));
                break;
            }
            case 0x82 or 0x83 or 0x84: // EXT1, EXT2, EXT4
                throw new PickleFormatException($"the pickle uses the copyreg extension registry (EXT opcode at offset {offset}), which torch.save never writes.");
            case (byte)'R': { var args = Pop(); var callable = Pop(); Push(PickleCalls.Call(callable, Tuple(args, "REDUCE", offset), offset)); break; }
            case 0x81: { var args = Pop(); var cls = Pop(); Push(PickleCalls.New(cls, Tuple(args, "NEWOBJ", offset), null, offset)); break; }
            case 0x92: // NEWOBJ_EX
            {
                var kwargs = Pop();
                var args = Pop();
                var cls = Pop();
                Push(PickleCalls.New(cls, Tuple(args, "NEWOBJ_EX", offset), kwargs as PickleDict, offset));
                break;
            }
            case (byte)'i': // INST module\nname\n, arguments since the mark
            {
                var cls = new PickleGlobal(_input.ReadLine(), _input.ReadLine());
                Push(PickleCalls.Call(cls, PopMark(), offset));
                break;
            }
            case (byte)'o': // OBJ: class and arguments since the mark
            {
                var items = PopMark();
                if (items.Length == 0) throw new PickleFormatException($"OBJ at offset {offset} has no class.");
                Push(PickleCalls.Call(items[0], items[1..], offset));
                break;
            }
            case (byte)'b': { var state = Pop(); PickleCalls.Build(Peek(), state, offset); break; }
            case (byte)'P': Push(_persistentLoad(_input.ReadLine())); break;
            case (byte)'Q': Push(_persistentLoad(Pop())); break;
            default:
                throw new PickleFormatException($"unknown pickle opcode 0x{op:x2} at offset {offset}.");
        }
    }

    private void Push(object? value) => _stack.Add(value);

    private object? Peek() =>
        _stack.Count > MarkFloor() ? _stack[^1] : throw new PickleFormatException($"the pickle's stack is empty at offset {_input.Position - 1}.");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopN(int count)
    {
        if (_stack.Count - MarkFloor() < count)
            throw new PickleFormatException($"the pickle's stack has fewer than {count} values at offset {_input.Position - 1}.");
        var items = _stack.GetRange(_stack.Count - count, count).ToArray();
        _stack.RemoveRange(_stack.Count - count, count);
        return items;
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0) throw new PickleFormatException($"the pickle has no MARK for the opcode at offset {_input.Position - 1}.");
        int at = _marks.Pop();
        var items = _stack.GetRange(at, _stack.Count - at).ToArray();
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private int MarkFloor() => _marks.Count == 0 ? 0 : _marks.Peek();

    private object? Recall(long index, int offset) =>
        _memo.TryGetValue(index, out var value) ? value : throw new PickleFormatException($"memo entry {index} read at offset {offset} was never stored.");

    private long MemoIndex(string text) =>
        _input.ReadDecimal(text) is var v && v >= 0 && v <= long.MaxValue ? (long)v : throw new PickleFormatException($"memo index {PickleInput.Shorten(text)} is out of range.");

    private static object?[] Tuple(object? args, string opcode, int offset) => args switch
    {
        object?[] tuple => tuple,
        List<object?> list => list.ToArray(),
        _ => throw new PickleFormatException($"{opcode} at offset {offset} wants an argument tuple, found {PickleValues.Describe(args)}."),
    };

    private object TextInt(string text) => text switch
    {
        "01" => true, // protocol 0 writes booleans as I01 / I00
        "00" => false,
        _ => Narrow(_input.ReadDecimal(text)),
    };

    private static double TextFloat(string text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d
            : text switch
            {
                "nan" => double.NaN,
                "inf" => double.PositiveInfinity,
                "-inf" => double.NegativeInfinity,
                _ => throw new PickleFormatException($"'{PickleInput.Shorten(text)}' is not a float."),
            };

    private static object Narrow(BigInteger value) =>
        value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
}
