using System.IO.Compression;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Checkpoints;

/// <summary>Builds PyTorch checkpoint archives for tests: the ultralytics layout (archive/data.pkl,
/// archive/data/&lt;key&gt;, archive/version), either from scratch or by editing a real checkpoint.</summary>
internal static class CheckpointArchive
{
    /// <summary>Writes an archive holding <paramref name="pickle"/> and the given storages.</summary>
    public static string Create(string path, byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        Add(zip, "archive/data.pkl", pickle);
        foreach (var (key, data) in storages) Add(zip, "archive/data/" + key, data);
        Add(zip, "archive/version", "3\n"u8.ToArray());
        return path;
    }

    /// <summary>Copies <paramref name="source"/> entry by entry; the transform may replace an entry's bytes or
    /// drop it (null); <paramref name="extra"/> entries are added at the end.</summary>
    public static string Rewrite(string source, string path, Func<string, byte[], byte[]?> transform, params (string Name, byte[] Data)[] extra)
    {
        using var input = ZipFile.OpenRead(source);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var entry in input.Entries)
        {
            var data = transform(entry.FullName, Read(entry));
            if (data is not null) Add(zip, entry.FullName, data);
        }
        foreach (var (name, data) in extra) Add(zip, name, data);
        return path;
    }

    /// <summary>yolov5n.pt with more entries in its top-level dict: <paramref name="entries"/> writes key/value
    /// pairs, inserted before the final SETITEMS of the real pickle (memo indices left alone).</summary>
    public static string WithExtraEntries(string path, Action<PickleWriter> entries, params (string Name, byte[] Data)[] extra) =>
        Rewrite(TestData.Yolov5n, path, (name, data) => name.EndsWith("data.pkl", StringComparison.Ordinal) ? InsertBeforeLastSetItems(data, entries) : data, extra);

    /// <summary>yolov5n.pt with more attributes in the model object's __dict__ (inserted after the dict's MARK).</summary>
    public static string WithExtraModelAttributes(string path, Action<PickleWriter> attributes) =>
        Rewrite(TestData.Yolov5n, path, (name, data) =>
        {
            if (!name.EndsWith("data.pkl", StringComparison.Ordinal)) return data;
            // models.yolo\nModel\n q4 ) NEWOBJ q5 } q6 ( ...: the model's state dict opens right after.
            int model = data.AsSpan().IndexOf("models.yolo\nModel\n"u8);
            int open = data.AsSpan(model).IndexOf("}q\u0006("u8) + model + 4;
            var writer = new PickleWriter();
            attributes(writer);
            return data[..open].Concat(writer.ToArray()).Concat(data[open..]).ToArray();
        });

    public static byte[] Entry(string archive, string name)
    {
        using var zip = ZipFile.OpenRead(archive);
        return Read(zip.GetEntry(name) ?? throw new InvalidOperationException($"{archive} has no {name}"));
    }

    private static byte[] InsertBeforeLastSetItems(byte[] pickle, Action<PickleWriter> entries)
    {
        if (pickle[^2] != (byte)'u' || pickle[^1] != (byte)'.')
            throw new InvalidOperationException("data.pkl does not end with SETITEMS STOP.");
        var writer = new PickleWriter();
        entries(writer);
        return pickle[..^2].Concat(writer.ToArray()).Concat("u."u8.ToArray()).ToArray();
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] data)
    {
        using var output = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        output.Write(data);
    }
}
