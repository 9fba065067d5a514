using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using YoloCompress.Tests.Checkpoints;

namespace YoloCompress.Tests.Checkpoints.Fuzzing;

/// <summary>Seeded mutations of a real checkpoint, each written as a file: damage at the zip level (truncation,
/// flipped bytes, duplicated and reordered entries, huge declared sizes), at the pickle level (truncation,
/// flipped and inserted bytes, huge lengths, tensor sizes and strides, storage types, deep nesting) and hostile
/// requests (os.system, builtins.eval/exec, subprocess.Popen, __import__ chains) that must never run. Shared by
/// the fuzz test and the benchmark's <c>fuzz</c> command.</summary>
internal sealed class CheckpointMutator
{
    public static readonly string[] Kinds =
    {
        "truncate-file", "flip-file-bytes", "huge-zip-size", "duplicate-entry", "reorder-entries", "drop-storage", "shorten-storage",
        "truncate-pickle", "flip-pickle-bytes", "insert-pickle-bytes", "random-pickle", "huge-pickle-length", "wrong-int",
        "huge-tensor-size", "wrong-dtype", "deep-nesting", "hostile-call",
    };

    private readonly byte[] _file;
    private readonly List<(string Name, byte[] Data)> _entries;
    private readonly int _pickleIndex;
    private readonly Random _random;

    public CheckpointMutator(string source, int seed, string marker)
    {
        _file = File.ReadAllBytes(source);
        using var zip = ZipFile.OpenRead(source);
        _entries = zip.Entries.Select(e => (e.FullName, ReadAll(e))).ToList();
        _pickleIndex = _entries.FindIndex(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal));
        _random = new Random(seed);
        Marker = marker;
    }

    /// <summary>A file the hostile cases ask to be created; it must never exist.</summary>
    public string Marker { get; }

    private byte[] Pickle => _entries[_pickleIndex].Data;

    /// <summary>Writes the next mutation to <paramref name="path"/> and returns its kind and what was done.</summary>
    public (string Kind, string Detail) Next(string path)
    {
        var kind = Kinds[_random.Next(Kinds.Length)];
        var detail = kind switch
        {
            "truncate-file" => WriteBytes(path, _file[.._random.Next(_file.Length)]),
            "flip-file-bytes" => WriteBytes(path, Flip(_file, _random.Next(1, 16))),
            "huge-zip-size" => WriteBytes(path, HugeZipSize()),
            "duplicate-entry" => WriteChange(path, Duplicate()),
            "reorder-entries" => WriteZip(path, _entries.OrderBy(_ => _random.Next()).ToList(), "shuffled"),
            "drop-storage" => WriteChange(path, Without(Storage())),
            "shorten-storage" => WriteChange(path, Shortened(Storage())),
            "truncate-pickle" => WritePickle(path, Pickle[.._random.Next(Pickle.Length)]),
            "flip-pickle-bytes" => WritePickle(path, Flip(Pickle, _random.Next(1, 8))),
            "insert-pickle-bytes" => WritePickle(path, Insert(Pickle, _random.Next(Pickle.Length), RandomBytes(_random.Next(1, 12)))),
            "random-pickle" => WritePickle(path, new byte[] { 0x80, 2 }.Concat(RandomBytes(_random.Next(1, 4096))).ToArray()),
            "huge-pickle-length" => WritePickle(path, HugeLength()),
            "wrong-int" => WritePickle(path, WrongInt()),
            "huge-tensor-size" => WritePickle(path, HugeTensorSize()),
            "wrong-dtype" => WritePickle(path, WrongDtype()),
            "deep-nesting" => WritePickle(path, WithEntry(DeepValue())),
            _ => WritePickle(path, Hostile()),
        };
        return (kind, detail);
    }

    private string WriteBytes(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return $"{bytes.Length} bytes";
    }

    private string WritePickle(string path, byte[] pickle)
    {
        var entries = _entries.ToList();
        entries[_pickleIndex] = (entries[_pickleIndex].Name, pickle);
        return WriteZip(path, entries, $"data.pkl of {pickle.Length} bytes");
    }

    private static string WriteZip(string path, List<(string Name, byte[] Data)> entries, string detail = "")
    {
        File.Delete(path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var (name, data) in entries)
            {
                using var output = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                output.Write(data);
            }
        return detail;
    }

    private static string WriteChange(string path, (List<(string, byte[])> Entries, string Detail) change) => WriteZip(path, change.Entries, change.Detail);

    private byte[] Flip(byte[] source, int count)
    {
        var bytes = (byte[])source.Clone();
        for (int i = 0; i < count; i++) bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
        return bytes;
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Insert(byte[] source, int at, byte[] inserted) => source[..at].Concat(inserted).Concat(source[at..]).ToArray();

    /// <summary>An entry's declared uncompressed size in the central directory set to up to 4 GB.</summary>
    private byte[] HugeZipSize()
    {
        var bytes = (byte[])_file.Clone();
        var headers = new List<int>();
        for (int i = bytes.AsSpan().IndexOf("PK\u0001\u0002"u8); i >= 0 && i < bytes.Length - 46;)
        {
            headers.Add(i);
            int next = bytes.AsSpan(i + 4).IndexOf("PK\u0001\u0002"u8);
            i = next < 0 ? -1 : i + 4 + next;
        }
        int at = headers[_random.Next(headers.Count)];
        uint size = _random.Next(3) switch { 0 => 0xFFFFFFF0u, 1 => (uint)_random.Next(1 << 20, int.MaxValue), _ => (uint)_random.Next(1 << 16) };
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 24), size);
        if (_random.Next(2) == 0) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 20), size); // compressed size too
        return bytes;
    }

    private (List<(string, byte[])>, string) Duplicate()
    {
        var entries = _entries.ToList();
        int i = _random.Next(2) == 0 ? _pickleIndex : _random.Next(entries.Count);
        entries.Insert(_random.Next(entries.Count + 1), (entries[i].Name, _random.Next(2) == 0 ? entries[i].Data : Flip(entries[i].Data, 4)));
        return (entries, entries[i].Name);
    }

    private int Storage()
    {
        int i;
        do i = _random.Next(_entries.Count); while (!_entries[i].Name.Contains("/data/", StringComparison.Ordinal));
        return i;
    }

    private (List<(string, byte[])>, string) Without(int index)
    {
        var entries = _entries.ToList();
        entries.RemoveAt(index);
        return (entries, _entries[index].Name);
    }

    private (List<(string, byte[])>, string) Shortened(int index)
    {
        var entries = _entries.ToList();
        entries[index] = (entries[index].Name, entries[index].Data[.._random.Next(entries[index].Data.Length)]);
        return (entries, entries[index].Name);
    }

    /// <summary>A BINUNICODE or LONG_BINPUT-style 4-byte length rewritten to something huge.</summary>
    private byte[] HugeLength()
    {
        var bytes = (byte[])Pickle.Clone();
        var positions = Positions(bytes, (byte)'X');
        int at = positions[_random.Next(positions.Count)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + 1), _random.Next(2) == 0 ? int.MaxValue : _random.Next(bytes.Length - at, bytes.Length * 4));
        return bytes;
    }

    /// <summary>A one-byte integer (BININT1: sizes, strides, numels, yaml numbers, memo indices) replaced by any int.</summary>
    private byte[] WrongInt()
    {
        var positions = Positions(Pickle, (byte)'K');
        int at = positions[_random.Next(positions.Count)];
        var replacement = new PickleWriter().Int(_random.Next(4) switch { 0 => 0, 1 => _random.Next(256), 2 => _random.Next(), _ => -_random.Next(1, 1000) }).ToArray();
        return Pickle[..at].Concat(replacement).Concat(Pickle[(at + 2)..]).ToArray();
    }

    /// <summary>A tensor size in a size tuple replaced by a huge one (the tuple follows a storage's BINPERSID).</summary>
    private byte[] HugeTensorSize()
    {
        var positions = Positions(Pickle, (byte)'Q');
        int at = positions[_random.Next(positions.Count)];
        int k = at;
        for (int skip = _random.Next(1, 4); skip > 0 && k >= 0; skip--) k = Array.IndexOf(Pickle, (byte)'K', k + 1);
        if (k < 0) k = Array.IndexOf(Pickle, (byte)'K', at + 1);
        var huge = new PickleWriter().Int(_random.Next(2) == 0 ? long.MaxValue / 3 : _random.Next(1 << 20, int.MaxValue)).ToArray();
        return Pickle[..k].Concat(huge).Concat(Pickle[(k + 2)..]).ToArray();
    }

    private byte[] WrongDtype()
    {
        var type = new[] { "Long", "Byte", "Bool", "Char" }[_random.Next(4)];
        var text = Encoding.Latin1.GetString(Pickle);
        return Encoding.Latin1.GetBytes(text.Replace("torch\nHalfStorage\n", $"torch\n{type}Storage\n"));
    }

    /// <summary>Nested lists, tuples (by MARK) or inert objects, up to 300,000 levels.</summary>
    private byte[] DeepValue()
    {
        int depth = _random.Next(2) == 0 ? _random.Next(90, 130) : _random.Next(1000, 300_000);
        var w = new PickleWriter();
        switch (_random.Next(3))
        {
            case 0:
                for (int i = 0; i < depth; i++) w.EmptyList();
                for (int i = 1; i < depth; i++) w.Append();
                break;
            case 1:
                for (int i = 0; i < depth; i++) w.Mark();
                for (int i = 0; i < depth; i++) w.TupleFromMark();
                break;
            default: // Node(c=Node(c=...)): each object's state dict holds the next
                for (int i = 0; i < depth; i++) w.Global("deep", "Node").Tuple(0).NewObj().EmptyDict().Str("c");
                w.None();
                for (int i = 0; i < depth; i++) w.SetItem().Build();
                break;
        }
        return w.ToArray();
    }

    /// <summary>A call that would run something if the reader executed pickles, as an extra checkpoint entry,
    /// a model attribute, or the whole pickle.</summary>
    private byte[] Hostile()
    {
        var touch = $"touch {Marker}";
        var w = new PickleWriter();
        switch (_random.Next(6))
        {
            case 0: w.Global("os", "system").Str(touch).Tuple(1).Reduce(); break;
            case 1: w.Global("builtins", "eval").Str($"open('{Marker}', 'w')").Tuple(1).Reduce(); break;
            case 2: w.StackGlobal("builtins", "exec").Str($"open('{Marker}', 'w')").Tuple(1).Reduce(); break;
            case 3: w.Global("subprocess", "Popen").EmptyList().Str("touch").Append().Str(Marker).Append().Tuple(1).Reduce(); break;
            case 4: // getattr(__import__('os'), 'system')('touch ...')
                w.Global("builtins", "getattr").Global("builtins", "__import__").Str("os").Tuple(1).Reduce().Str("system").Tuple(2).Reduce()
                    .Str(touch).Tuple(1).Reduce();
                break;
            default: w.Mark().Str(touch).Inst("posix", "system"); break;
        }
        var call = w.ToArray();
        return _random.Next(3) switch
        {
            0 => WithEntry(call),
            1 => WithModelAttribute(call),
            _ => new byte[] { 0x80, 2 }.Concat(call).Concat(new[] { (byte)'.' }).ToArray(),
        };
    }

    private byte[] WithEntry(byte[] value)
    {
        var key = new PickleWriter().Str("fuzz").ToArray();
        return Pickle[..^2].Concat(key).Concat(value).Concat("u."u8.ToArray()).ToArray();
    }

    private byte[] WithModelAttribute(byte[] value)
    {
        int model = Pickle.AsSpan().IndexOf("models.yolo\nModel\n"u8);
        int open = Pickle.AsSpan(model).IndexOf("}q\u0006("u8) + model + 4;
        return Insert(Pickle, open, new PickleWriter().Str("fuzz").ToArray().Concat(value).ToArray());
    }

    private static List<int> Positions(byte[] bytes, byte opcode)
    {
        var positions = new List<int>();
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == opcode) positions.Add(i);
        return positions;
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
