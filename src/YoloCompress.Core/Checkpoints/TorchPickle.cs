using System.Runtime.InteropServices;

namespace YoloCompress.Core.Checkpoints;

/// <summary>Element types of torch storages, named as the pickle names their classes (torch.HalfStorage...).</summary>
internal enum StorageType { Half, BFloat16, Float, Double, Long, Int, Short, Char, Byte, Bool }

/// <summary>A storage the pickle refers to by persistent id; its bytes stay in the archive until a tensor needs them.</summary>
internal sealed record StorageRef(StorageArchive Archive, string Key, StorageType Type, long Numel)
{
    public int ElementSize => Type switch
    {
        StorageType.Double or StorageType.Long => 8,
        StorageType.Float or StorageType.Int => 4,
        StorageType.Half or StorageType.BFloat16 or StorageType.Short => 2,
        _ => 1,
    };

    /// <summary>BINPERSID's <c>('storage', torch.XStorage, key, location, numel)</c>, as torch.save writes it.</summary>
    public static StorageRef FromPersistentId(StorageArchive archive, object? pid)
    {
        if (pid is not object?[] { Length: >= 5 } tuple || tuple[0] as string != "storage")
            throw new PickleFormatException($"unsupported persistent id {PickleValues.Describe(pid)}; torch.save writes ('storage', type, key, location, numel).");
        if (tuple[1] is not PickleGlobal { Module: "torch" } type || !type.Name.EndsWith("Storage", StringComparison.Ordinal)
            || !Enum.TryParse<StorageType>(type.Name[..^"Storage".Length], ignoreCase: false, out var element))
            throw new PickleFormatException($"unsupported storage type {PickleValues.Describe(tuple[1])} for storage {PickleValues.Describe(tuple[2])}.");
        var key = tuple[2] as string ?? throw new PickleFormatException($"storage key {PickleValues.Describe(tuple[2])} is not a string.");
        var numel = tuple[4] is long n && n >= 0 ? n : throw new PickleFormatException($"storage '{key}' declares {PickleValues.Describe(tuple[4])} elements.");
        return new StorageRef(archive, key, element, numel);
    }
}

/// <summary>A tensor as the pickle describes it: a strided view into a storage.</summary>
internal sealed record PickledTensor(StorageRef Storage, long Offset, long[] Size, long[] Stride)
{
    /// <summary><c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])</c>
    /// and the older <c>_rebuild_tensor(storage, offset, size, stride)</c>.</summary>
    public static PickledTensor Rebuild(object?[] args, string function)
    {
        if (args.Length < 4 || args[0] is not StorageRef storage)
            throw new PickleFormatException($"{function} wants (storage, offset, size, stride, ...), found {PickleValues.Describe(args)}.");
        return new PickledTensor(storage, PickleValues.ToLong(args[1]), PickleValues.ToLongs(args[2]), PickleValues.ToLongs(args[3]));
    }

    /// <summary>The view's elements in row-major order, converted to float32. The layout is checked against the
    /// storage's declared size, and that against the archive entry, before anything is allocated.</summary>
    public float[] ToFloatArray(string name)
    {
        var path = Storage.Archive.Path;
        long count = 1, last = Offset;
        bool valid = Size.Length == Stride.Length && Size.Length <= 64 && Offset >= 0 && Size.All(s => s is >= 0 and <= int.MaxValue) && Stride.All(s => s >= 0);
        try
        {
            // The largest storage index the view touches must lie inside the storage, and a view has no more
            // elements than its storage (checkpoints hold no broadcast views), which bounds the allocation.
            for (int d = 0; valid && d < Size.Length; d++)
            {
                count = checked(count * Size[d]);
                if (Size[d] > 0) last = checked(last + (Size[d] - 1) * Stride[d]);
            }
        }
        catch (OverflowException)
        {
            valid = false;
        }
        if (!valid || (count > 0 && (last >= Storage.Numel || count > Storage.Numel)))
            throw new CheckpointFormatException(path, $"tensor '{name}' has an invalid layout for storage '{Storage.Key}' of {Storage.Numel} elements " +
                $"(size [{string.Join(", ", Size)}], stride [{string.Join(", ", Stride)}], offset {Offset}).");
        var bytes = Storage.Archive.Storage(Storage.Key, Storage.Numel, Storage.ElementSize);
        var result = new float[count];
        if (IsContiguous())
        {
            ConvertContiguous(bytes.AsSpan((int)(Offset * Storage.ElementSize), (int)(count * Storage.ElementSize)), result);
            return result;
        }
        var index = new long[Size.Length];
        long source = Offset;
        for (long i = 0; i < count; i++)
        {
            result[i] = Element(bytes, source);
            // Advance the multi-index like an odometer, keeping the storage position in step.
            for (int d = Size.Length - 1; d >= 0; d--)
            {
                index[d]++;
                source += Stride[d];
                if (index[d] < Size[d]) break;
                source -= Stride[d] * Size[d];
                index[d] = 0;
            }
        }
        return result;
    }

    private bool IsContiguous()
    {
        long expected = 1;
        for (int d = Size.Length - 1; d >= 0; d--)
        {
            if (Size[d] != 1 && Stride[d] != expected) return false;
            expected *= Size[d];
        }
        return true;
    }

    private void ConvertContiguous(ReadOnlySpan<byte> source, Span<float> target)
    {
        switch (Storage.Type)
        {
            case StorageType.Float:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(target);
                break;
            case StorageType.Half:
                var halves = MemoryMarshal.Cast<byte, Half>(source);
                for (int i = 0; i < halves.Length; i++) target[i] = (float)halves[i];
                break;
            default:
                var bytes = source.ToArray();
                for (int i = 0; i < target.Length; i++) target[i] = Element(bytes, i);
                break;
        }
    }

    private float Element(byte[] bytes, long i)
    {
        var span = bytes.AsSpan();
        return Storage.Type switch
        {
            StorageType.Half => (float)BitConverter.ToHalf(span.Slice((int)(i * 2), 2)),
            StorageType.BFloat16 => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(span.Slice((int)(i * 2), 2)) << 16),
            StorageType.Float => BitConverter.ToSingle(span.Slice((int)(i * 4), 4)),
            StorageType.Double => (float)BitConverter.ToDouble(span.Slice((int)(i * 8), 8)),
            StorageType.Long => BitConverter.ToInt64(span.Slice((int)(i * 8), 8)),
            StorageType.Int => BitConverter.ToInt32(span.Slice((int)(i * 4), 4)),
            StorageType.Short => BitConverter.ToInt16(span.Slice((int)(i * 2), 2)),
            StorageType.Char => (sbyte)bytes[i],
            _ => bytes[i],
        };
    }
}
