using System.Collections;
using System.Runtime.InteropServices;
using Razorvine.Pickle;

namespace YoloCompress.Core.Checkpoints;

/// <summary>Element types of torch storages, named as the pickle names their classes (torch.HalfStorage...).</summary>
internal enum StorageType { Half, BFloat16, Float, Double, Long, Int, Short, Char, Byte, Bool }

/// <summary>What a GLOBAL like <c>torch.HalfStorage</c> resolves to: a marker that persistentLoad reads the
/// element type from. Storage classes are never called in a checkpoint pickle, only referenced.</summary>
internal sealed class StorageTypeMarker(StorageType type) : IObjectConstructor
{
    public StorageType Type { get; } = type;

    public object construct(object[] args) =>
        throw new PickleException($"torch.{Type}Storage is a type reference and cannot be called.");
}

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
}

/// <summary>A tensor as the pickle describes it: a strided view into a storage.</summary>
internal sealed record PickledTensor(StorageRef Storage, long Offset, long[] Size, long[] Stride)
{
    /// <summary>The view's elements in row-major order, converted to float32.</summary>
    public float[] ToFloatArray(string name)
    {
        long count = 1;
        foreach (var s in Size) count *= s;
        var path = Storage.Archive.Path;
        if (Size.Length != Stride.Length || Size.Any(s => s < 0) || Offset < 0)
            throw new CheckpointFormatException(path, $"tensor '{name}' has an invalid layout (size [{string.Join(",", Size)}], stride [{string.Join(",", Stride)}], offset {Offset}).");
        // The largest storage index the view touches must lie inside the storage.
        long last = Offset;
        for (int d = 0; d < Size.Length; d++) if (Size[d] > 0) last += (Size[d] - 1) * Stride[d];
        if (count > 0 && (last >= Storage.Numel || Stride.Any(s => s < 0)))
            throw new CheckpointFormatException(path, $"tensor '{name}' reaches element {last} of storage '{Storage.Key}', which holds {Storage.Numel}.");
        var bytes = Storage.Archive.Storage(Storage.Key, Storage.Numel * Storage.ElementSize);
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

/// <summary><c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])</c>
/// and the older <c>_rebuild_tensor(storage, offset, size, stride)</c>.</summary>
internal sealed class RebuildTensorConstructor : IObjectConstructor
{
    public object construct(object[] args)
    {
        if (args.Length < 4 || args[0] is not StorageRef storage)
            throw new PickleException("_rebuild_tensor_v2 expects (storage, offset, size, stride, ...).");
        return new PickledTensor(storage, PickleValues.ToLong(args[1]), PickleValues.ToLongs(args[2]), PickleValues.ToLongs(args[3]));
    }
}

/// <summary><c>torch._utils._rebuild_parameter(tensor, requires_grad, hooks)</c> (and <c>_with_state</c>):
/// a Parameter is its tensor for our purposes.</summary>
internal sealed class RebuildParameterConstructor : IObjectConstructor
{
    public object construct(object[] args) =>
        args.Length >= 1 && args[0] is PickledTensor t ? t : throw new PickleException("_rebuild_parameter expects a tensor as its first argument.");
}

/// <summary><c>collections.OrderedDict()</c> or <c>OrderedDict([(k, v), ...])</c>. Items usually follow as
/// SETITEMS, which Razorvine applies to a Hashtable; order is not kept, so consumers sort.</summary>
internal sealed class OrderedDictConstructor : IObjectConstructor
{
    public object construct(object[] args)
    {
        var table = new Hashtable();
        if (args.Length == 1 && args[0] is IEnumerable pairs and not string)
            foreach (var pair in pairs)
                if (pair is object[] { Length: 2 } kv) table[kv[0]] = kv[1];
        return table;
    }
}

/// <summary><c>torch.Size((...))</c>: a tuple.</summary>
internal sealed class TorchSizeConstructor : IObjectConstructor
{
    public object construct(object[] args) => args.Length == 1 ? args[0] : args;
}

/// <summary>Unpickles data.pkl of a PyTorch checkpoint. Razorvine keeps an allow-list of constructors and
/// turns every other GLOBAL (models.yolo.Model, torch.nn.Conv2d...) into an inert <c>ClassDict</c> holding
/// the object's state: nothing named in the file is ever instantiated or executed, so a hostile checkpoint
/// can at worst fail to load. We add only value-building constructors for torch's tensor rebuild functions.</summary>
internal sealed class TorchUnpickler : Unpickler
{
    static TorchUnpickler()
    {
        registerConstructor("torch._utils", "_rebuild_tensor_v2", new RebuildTensorConstructor());
        registerConstructor("torch._utils", "_rebuild_tensor", new RebuildTensorConstructor());
        registerConstructor("torch._utils", "_rebuild_parameter", new RebuildParameterConstructor());
        registerConstructor("torch._utils", "_rebuild_parameter_with_state", new RebuildParameterConstructor());
        registerConstructor("collections", "OrderedDict", new OrderedDictConstructor());
        registerConstructor("torch", "Size", new TorchSizeConstructor());
        foreach (var type in Enum.GetValues<StorageType>())
            registerConstructor("torch", type + "Storage", new StorageTypeMarker(type));
        // __builtin__.set / builtins.set are already Razorvine defaults (SetConstructor).
    }

    private readonly StorageArchive _archive;

    public TorchUnpickler(StorageArchive archive) => _archive = archive;

    /// <summary>BINPERSID with <c>('storage', torch.XStorage, key, location, numel)</c>.</summary>
    protected override object persistentLoad(object pid)
    {
        if (pid is not object[] { Length: >= 5 } tuple || tuple[0] as string != "storage")
            throw new PickleException($"unsupported persistent id {Describe(pid)}; expected ('storage', type, key, location, numel).");
        if (tuple[1] is not StorageTypeMarker marker)
            throw new PickleException($"unsupported storage type {Describe(tuple[1])} for storage '{tuple[2]}'.");
        var key = tuple[2] as string ?? throw new PickleException("storage key is not a string.");
        return new StorageRef(_archive, key, marker.Type, PickleValues.ToLong(tuple[4]));
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        object[] a => "(" + string.Join(", ", a.Select(Describe)) + ")",
        Razorvine.Pickle.Objects.ClassDictConstructor c => c.module + "." + c.name,
        _ => o.ToString() ?? o.GetType().Name,
    };
}
