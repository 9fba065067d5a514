using System.IO.Compression;

namespace YoloCompress.Core.Checkpoints;

/// <summary>The zip container of a PyTorch checkpoint: <c>&lt;prefix&gt;/data.pkl</c> plus one raw
/// little-endian storage per tensor at <c>&lt;prefix&gt;/data/&lt;key&gt;</c>. Storages are read on
/// demand and kept, because several tensors may view one storage.</summary>
internal sealed class StorageArchive : IDisposable
{
    private readonly ZipArchive _zip;
    private readonly Dictionary<string, byte[]> _storages = new(StringComparer.Ordinal);

    private StorageArchive(string path, ZipArchive zip, string prefix)
    {
        Path = path;
        _zip = zip;
        Prefix = prefix;
    }

    public string Path { get; }

    /// <summary>The folder that holds data.pkl, usually "archive" (older torch versions used the file's stem).</summary>
    public string Prefix { get; }

    public static StorageArchive Open(string path)
    {
        if (!File.Exists(path)) throw new CheckpointFormatException(path, "the file does not exist.");
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path,
                "not a PyTorch checkpoint: it is not a readable zip archive (not a zip, or truncated). " +
                "Legacy (pre-1.6) torch.save files are not supported; re-save with a current PyTorch.", e);
        }
        try
        {
            var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
                .Select(e => e.FullName).Order(StringComparer.Ordinal).ToList();
            if (pickles.Count == 0)
                throw new CheckpointFormatException(path, "the zip archive has no data.pkl entry, so it is not a PyTorch checkpoint.");
            if (pickles.Count > 1)
                throw new CheckpointFormatException(path, $"the zip archive has several data.pkl entries ({string.Join(", ", pickles)}).");
            var prefix = pickles[0].Length > "data.pkl".Length ? pickles[0][..^"/data.pkl".Length] : "";
            return new StorageArchive(path, zip, prefix);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    public string PickleEntryName => Prefix.Length == 0 ? "data.pkl" : Prefix + "/data.pkl";

    public byte[] ReadPickle() => ReadEntry(PickleEntryName);

    /// <summary>The raw bytes of storage <paramref name="key"/>, checked to hold at least <paramref name="minBytes"/>.</summary>
    public byte[] Storage(string key, long minBytes)
    {
        if (!_storages.TryGetValue(key, out var bytes))
        {
            var name = (Prefix.Length == 0 ? "data/" : Prefix + "/data/") + key;
            if (_zip.GetEntry(name) is null)
                throw new CheckpointFormatException(Path, $"tensor storage '{name}' is missing from the archive.");
            bytes = ReadEntry(name);
            _storages[key] = bytes;
        }
        if (bytes.LongLength < minBytes)
            throw new CheckpointFormatException(Path, $"tensor storage '{key}' holds {bytes.LongLength} bytes, but the pickle declares {minBytes}.");
        return bytes;
    }

    private byte[] ReadEntry(string name)
    {
        var entry = _zip.GetEntry(name) ?? throw new CheckpointFormatException(Path, $"entry '{name}' is missing from the archive.");
        try
        {
            var bytes = new byte[entry.Length];
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or EndOfStreamException)
        {
            throw new CheckpointFormatException(Path, $"entry '{name}' cannot be read (damaged or truncated archive): {e.Message}", e);
        }
    }

    public void Dispose() => _zip.Dispose();
}
