using System.IO.Compression;
using System.Text;

namespace YoloCompress.Core.Checkpoints;

/// <summary>The zip container of a PyTorch checkpoint: <c>&lt;prefix&gt;/data.pkl</c> plus one raw
/// little-endian storage per tensor at <c>&lt;prefix&gt;/data/&lt;key&gt;</c>. Storages are read on
/// demand and kept, because several tensors may view one storage. Sizes the archive or the pickle declare
/// are checked before anything is allocated: an entry cannot claim more bytes than deflate can expand its
/// compressed data to, and a storage must hold what the pickle says it holds.</summary>
internal sealed class StorageArchive : IDisposable
{
    /// <summary>Deflate expands at most about 1032:1; a larger claim is a damaged or hostile header.</summary>
    private const long MaxDeflateRatio = 1032;

    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly Dictionary<string, byte[]> _storages = new(StringComparer.Ordinal);
    private readonly long _fileLength;

    private StorageArchive(string path, ZipArchive zip, Dictionary<string, ZipArchiveEntry> entries, string prefix)
    {
        Path = path;
        _zip = zip;
        _entries = entries;
        Prefix = prefix;
        _fileLength = new FileInfo(path).Length;
    }

    public string Path { get; }

    /// <summary>The folder that holds data.pkl, usually "archive" (older torch versions used the file's stem).</summary>
    public string Prefix { get; }

    /// <summary>Bytes of all storage entries as the archive declares them: what tensors may at most expand to.</summary>
    public long DeclaredStorageBytes { get; private set; }

    public static StorageArchive Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointFormatException(path, "the file does not exist.");
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            throw new CheckpointFormatException(path, LegacyFormat(path)
                ? "a legacy (before PyTorch 1.6) torch.save file, which is not supported; load and re-save it with a current PyTorch."
                : "not a PyTorch checkpoint: it is not a readable zip archive (not a zip, or truncated).", e);
        }
        try
        {
            var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
                if (!entries.TryAdd(entry.FullName, entry))
                    throw new CheckpointFormatException(path, $"the zip archive has two entries named '{entry.FullName}', so it is ambiguous which to read.");
            var pickles = entries.Keys.Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) || n == "data.pkl").Order(StringComparer.Ordinal).ToList();
            if (entries.Keys.Any(n => n.EndsWith("constants.pkl", StringComparison.Ordinal)))
                throw new CheckpointFormatException(path, "a TorchScript model (torch.jit.save, e.g. export.py --include torchscript), not a training checkpoint; " +
                    "use the best.pt or last.pt that YOLOv5's train.py wrote.", kind: CheckpointFormatException.NotYolov5);
            if (pickles.Count == 0)
                throw new CheckpointFormatException(path, "the zip archive has no data.pkl entry, so it is not a PyTorch checkpoint.");
            if (pickles.Count > 1)
                throw new CheckpointFormatException(path, $"the zip archive has several data.pkl entries ({string.Join(", ", pickles)}).");
            var prefix = pickles[0].Length > "data.pkl".Length ? pickles[0][..^"/data.pkl".Length] : "";
            var archive = new StorageArchive(path, zip, entries, prefix);
            archive.CheckByteOrder();
            archive.DeclaredStorageBytes = entries.Where(e => e.Key.StartsWith(archive.StorageFolder, StringComparison.Ordinal))
                .Sum(e => Math.Min(e.Value.Length, e.Value.CompressedLength * MaxDeflateRatio));
            return archive;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            zip.Dispose(); // the central directory is read lazily, so damage there surfaces here
            throw new CheckpointFormatException(path, $"not a PyTorch checkpoint: its zip directory is damaged ({e.Message})", e);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    public string PickleEntryName => Prefix.Length == 0 ? "data.pkl" : Prefix + "/data.pkl";

    private string StorageFolder => Prefix.Length == 0 ? "data/" : Prefix + "/data/";

    public byte[] ReadPickle() => ReadEntry(PickleEntryName, _entries[PickleEntryName]);

    /// <summary>The raw bytes of storage <paramref name="key"/>, checked to hold the <paramref name="numel"/>
    /// elements of <paramref name="elementSize"/> bytes the pickle declares before they are read.</summary>
    public byte[] Storage(string key, long numel, int elementSize)
    {
        if (_storages.TryGetValue(key, out var bytes)) return numel <= bytes.LongLength / elementSize ? bytes : throw Short(key, bytes.LongLength, numel, elementSize);
        var name = StorageFolder + key;
        if (!_entries.TryGetValue(name, out var entry))
            throw new CheckpointFormatException(Path, $"tensor storage '{name}' is missing from the archive.");
        if (numel > entry.Length / elementSize) throw Short(key, entry.Length, numel, elementSize);
        bytes = ReadEntry(name, entry);
        _storages[key] = bytes;
        return bytes;
    }

    private CheckpointFormatException Short(string key, long length, long numel, int elementSize) =>
        new(Path, $"tensor storage '{key}' holds {length} bytes, but the pickle declares {numel} elements of {elementSize} bytes.");

    private byte[] ReadEntry(string name, ZipArchiveEntry entry)
    {
        // An entry's compressed bytes lie inside the file, and expand at most by deflate's ratio.
        long limit = entry.CompressedLength * (entry.CompressedLength == entry.Length ? 1 : MaxDeflateRatio) + 1024;
        if (entry.Length > Array.MaxLength || entry.Length > limit || entry.CompressedLength > _fileLength)
            throw new CheckpointFormatException(Path, $"entry '{name}' declares {entry.Length} bytes from {entry.CompressedLength} compressed bytes, which cannot be right (damaged archive).");
        try
        {
            var bytes = new byte[entry.Length];
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
            if (stream.ReadByte() >= 0)
                throw new InvalidDataException("it holds more bytes than its header declares.");
            if (Crc32.Compute(bytes) is var crc && crc != entry.Crc32)
                throw new InvalidDataException($"its CRC-32 is {crc:x8} but the archive records {entry.Crc32:x8}.");
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new CheckpointFormatException(Path, $"entry '{name}' cannot be read (damaged or truncated archive): {e.Message}", e);
        }
    }

    private void CheckByteOrder()
    {
        var name = Prefix.Length == 0 ? "byteorder" : Prefix + "/byteorder";
        if (!_entries.TryGetValue(name, out var entry) || entry.Length > 16) return;
        var order = Encoding.ASCII.GetString(ReadEntry(name, entry)).Trim();
        if (order != "little")
            throw new CheckpointFormatException(Path, $"the tensors are stored {order}-endian; only little-endian checkpoints (all x86 and ARM machines) are supported.");
    }

    // torch.save before 1.6 wrote a bare pickle starting with a magic number (LONG1 0x1950a86a20f9469cfc6c).
    private static bool LegacyFormat(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.Read(head) == 4 && head[0] == 0x80 && head[2] == 0x8a && head[3] == 0x0a;
    }

    public void Dispose() => _zip.Dispose();
}
