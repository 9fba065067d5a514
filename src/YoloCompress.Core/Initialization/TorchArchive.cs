using System.Buffers.Binary;
using System.Text;
using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Core.Initialization;

/// <summary>The zip container <c>torch.save</c> writes: every record stored uncompressed under one folder
/// (<c>archive/data.pkl</c>, <c>archive/data/&lt;key&gt;</c>, <c>archive/version</c>), each record's data aligned
/// to 64 bytes by padding the local header's extra field, as torch's writer does so that storages can be mapped.
/// Every timestamp is 1980-01-01 00:00, so the same records give the same bytes.</summary>
internal static class TorchArchive
{
    private const int Alignment = 64;
    private const ushort DosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the format's first day

    public static byte[] Write(byte[] pickle, IReadOnlyList<(string Key, byte[] Data)> storages, string folder = "archive")
    {
        var records = new List<(string Name, byte[] Data)> { ($"{folder}/data.pkl", pickle), ($"{folder}/byteorder", "little"u8.ToArray()) };
        records.AddRange(storages.Select(s => ($"{folder}/data/{s.Key}", s.Data)));
        records.Add(($"{folder}/version", "3\n"u8.ToArray()));

        long total = records.Sum(r => 30 + r.Name.Length + 4 + Alignment + r.Data.Length + 46 + r.Name.Length) + 22;
        if (total > uint.MaxValue || records.Count > ushort.MaxValue)
            throw new InvalidOperationException("the checkpoint would need zip64, which this writer does not write.");
        using var zip = new MemoryStream();
        var central = new MemoryStream();
        foreach (var (name, data) in records)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            long offset = zip.Position;
            // Pad with an extra field (id 'FB', as torch's) so that the data starts on an aligned offset.
            long dataStart = offset + 30 + nameBytes.Length + 4;
            int padding = (int)((Alignment - dataStart % Alignment) % Alignment);
            uint crc = Crc32.Compute(data);
            Header(zip, 0x04034b50, central: false, crc, data.Length, nameBytes, 4 + padding, 0);
            zip.Write(nameBytes);
            ExtraField(zip, padding);
            zip.Write(data);
            Header(central, 0x02014b50, central: true, crc, data.Length, nameBytes, 0, (uint)offset);
            central.Write(nameBytes);
        }
        long centralOffset = zip.Position;
        central.Position = 0;
        central.CopyTo(zip);
        Span<byte> end = stackalloc byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end[8..], (ushort)records.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end[10..], (ushort)records.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end[12..], (uint)central.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end[16..], (uint)centralOffset);
        zip.Write(end);
        return zip.ToArray();
    }

    /// <summary>A local (30 bytes) or central (46 bytes) header up to the file name: version 2.0, stored, no flags.</summary>
    private static void Header(Stream to, uint signature, bool central, uint crc, int size, byte[] name, int extra, uint offset)
    {
        Span<byte> h = stackalloc byte[central ? 46 : 30];
        BinaryPrimitives.WriteUInt32LittleEndian(h, signature);
        int at = central ? 6 : 4;
        if (central) BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 20); // version made by
        BinaryPrimitives.WriteUInt16LittleEndian(h[at..], 20); // version needed; flags and method (stored) zero
        BinaryPrimitives.WriteUInt16LittleEndian(h[(at + 8)..], DosDate);
        at += 10;
        BinaryPrimitives.WriteUInt32LittleEndian(h[at..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[(at + 4)..], (uint)size);
        BinaryPrimitives.WriteUInt32LittleEndian(h[(at + 8)..], (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(h[(at + 12)..], (ushort)name.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(h[(at + 14)..], (ushort)extra);
        if (central) BinaryPrimitives.WriteUInt32LittleEndian(h[42..], offset); // comment, disk, attributes: zero
        to.Write(h);
    }

    private static void ExtraField(Stream to, int padding)
    {
        Span<byte> field = stackalloc byte[4];
        field[0] = (byte)'F';
        field[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(field[2..], (ushort)padding);
        to.Write(field);
        to.Write(new byte[padding]);
    }
}
