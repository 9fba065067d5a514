using System.Buffers.Binary;
using System.Text;

namespace YoloCompress.Torch.Native;

/// <summary>One version a shared library asks of one of its dependencies (an ELF Vernaux entry).
/// <paramref name="FlagsOffset"/> is the file offset of its 16-bit vna_flags field.</summary>
internal sealed record VersionNeed(string File, string Version, ushort Flags, ushort Index, long FlagsOffset)
{
    /// <summary>VER_FLG_WEAK: the dynamic linker does not fail when the version is missing.</summary>
    public const ushort WeakFlag = 0x2;

    public bool IsWeak => (Flags & WeakFlag) != 0;
}

/// <summary>The symbol-versioning tables of an ELF64 little-endian shared library, read from its section
/// headers: what it needs (.gnu.version_r), what it defines (.gnu.version_d) and which dynamic symbols
/// carry which version index (.gnu.version with .dynsym). Only reads; nothing is loaded or run.</summary>
internal sealed class ElfImage
{
    private const uint ShtDynsym = 11, ShtVerdef = 0x6ffffffd, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;

    private readonly byte[] _bytes;
    private readonly string _path;
    private readonly List<Section> _sections = [];

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info);

    private ElfImage(string path, byte[] bytes)
    {
        _path = path;
        _bytes = bytes;
        if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw Bad("not an ELF file");
        if (bytes[4] != 2 || bytes[5] != 1) throw Bad("not a 64-bit little-endian ELF file");
        long shoff = (long)U64(0x28);
        int shentsize = U16(0x3a), shnum = U16(0x3c);
        if (shoff <= 0 || shentsize < 64 || shoff + (long)shnum * shentsize > bytes.Length) throw Bad("section headers out of range");
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            var s = new Section(U32(h + 4), (long)U64(h + 0x18), (long)U64(h + 0x20), U32(h + 0x28), U32(h + 0x2c));
            if (s.Type is ShtDynsym or ShtVerdef or ShtVerneed or ShtVersym && s.Offset + s.Size > bytes.Length)
                throw Bad($"section {i} out of range");
            _sections.Add(s);
        }
    }

    public static ElfImage Read(string path) => new(path, File.ReadAllBytes(path));

    public static ElfImage FromBytes(string name, byte[] bytes) => new(name, bytes);

    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Every Vernaux entry, in file order.</summary>
    public IReadOnlyList<VersionNeed> VersionNeeds()
    {
        var result = new List<VersionNeed>();
        foreach (var s in _sections.Where(s => s.Type == ShtVerneed))
        {
            long vn = s.Offset;
            for (uint n = 0; n < s.Info; n++)
            {
                ushort count = U16(vn + 2);
                string file = String(s.Link, U32(vn + 4));
                long aux = vn + U32(vn + 8);
                for (int a = 0; a < count; a++)
                {
                    result.Add(new VersionNeed(file, String(s.Link, U32(aux + 8)), U16(aux + 4), U16(aux + 6), aux + 4));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(vn + 12);
                if (next == 0) break;
                vn += next;
            }
        }
        return result;
    }

    /// <summary>The version names this library defines (its own soname's entry included).</summary>
    public IReadOnlySet<string> VersionDefinitions()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in _sections.Where(s => s.Type == ShtVerdef))
        {
            long vd = s.Offset;
            for (uint n = 0; n < s.Info; n++)
            {
                ushort count = U16(vd + 6);
                long aux = vd + U32(vd + 12);
                if (count > 0) result.Add(String(s.Link, U32(aux)));
                uint next = U32(vd + 16);
                if (next == 0) break;
                vd += next;
            }
        }
        return result;
    }

    /// <summary>The names of the dynamic symbols whose version index is <paramref name="index"/>.</summary>
    public IReadOnlyList<string> SymbolsWithVersionIndex(ushort index)
    {
        var dynsym = _sections.FirstOrDefault(s => s.Type == ShtDynsym);
        var versym = _sections.FirstOrDefault(s => s.Type == ShtVersym);
        if (dynsym.Type == 0 || versym.Type == 0) return [];
        long count = Math.Min(dynsym.Size / 24, versym.Size / 2);
        var result = new List<string>();
        for (long i = 0; i < count; i++)
            if ((U16(versym.Offset + 2 * i) & 0x7fff) == index)
                result.Add(String(dynsym.Link, U32(dynsym.Offset + 24 * i)));
        return result;
    }

    private string String(uint strtabSection, uint offset)
    {
        if (strtabSection >= _sections.Count) throw Bad("string table index out of range");
        var t = _sections[(int)strtabSection];
        long start = t.Offset + offset;
        if (offset >= t.Size || start >= _bytes.Length) throw Bad("string out of range");
        int end = Array.IndexOf(_bytes, (byte)0, (int)start, (int)Math.Min(t.Size - offset, _bytes.Length - start));
        if (end < 0) throw Bad("unterminated string");
        return Encoding.ASCII.GetString(_bytes, (int)start, end - (int)start);
    }

    private ushort U16(long at) => BinaryPrimitives.ReadUInt16LittleEndian(Span(at, 2));
    private uint U32(long at) => BinaryPrimitives.ReadUInt32LittleEndian(Span(at, 4));
    private ulong U64(long at) => BinaryPrimitives.ReadUInt64LittleEndian(Span(at, 8));

    private ReadOnlySpan<byte> Span(long at, int length) =>
        at >= 0 && at + length <= _bytes.Length ? _bytes.AsSpan((int)at, length) : throw Bad($"read at {at} out of range");

    private InvalidDataException Bad(string why) => new($"'{_path}' cannot be read as a shared library: {why}.");
}
