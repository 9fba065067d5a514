using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Conversions between ONNX initializers and plain arrays. Every stage reads and writes
/// weights through here, so raw_data versus typed fields is decided in one place.</summary>
public static class OnnxTensors
{
    /// <summary>A float32 initializer. Data is stored as raw little-endian bytes, as exporters do.</summary>
    public static TensorProto Float(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> data)
    {
        long expected = 1;
        foreach (var d in dims) expected *= d;
        if (expected != data.Length)
            throw new ArgumentException($"Tensor '{name}': {data.Length} values do not fill shape [{string.Join(",", dims.ToArray())}].");
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims.ToArray());
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data));
        return t;
    }

    /// <summary>An int64 initializer (shapes, axes, split sizes).</summary>
    public static TensorProto Int64(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> data)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.AddRange(dims.ToArray());
        t.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data));
        return t;
    }

    /// <summary>A float16 copy of a float32 initializer under a new name (round to nearest).</summary>
    public static TensorProto Float16Of(TensorProto source, string name)
    {
        var values = ToFloatArray(source);
        var halves = new Half[values.Length];
        for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
        return Raw(name, TensorProto.Types.DataType.Float16, source.Dims.ToArray(), MemoryMarshal.AsBytes(halves.AsSpan()));
    }

    /// <summary>A tensor of any element type from raw little-endian bytes.</summary>
    public static TensorProto Raw(string name, TensorProto.Types.DataType type, ReadOnlySpan<long> dims, ReadOnlySpan<byte> bytes)
    {
        var t = new TensorProto { Name = name, DataType = (int)type };
        t.Dims.AddRange(dims.ToArray());
        t.RawData = ByteString.CopyFrom(bytes);
        return t;
    }

    /// <summary>The values of a float32 tensor, whether stored in raw_data or float_data.</summary>
    public static float[] ToFloatArray(TensorProto t)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            throw new InvalidDataException($"Tensor '{t.Name}' is {(TensorProto.Types.DataType)t.DataType}, expected float32.");
        if (!t.RawData.IsEmpty)
            return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        return t.FloatData.ToArray();
    }

    /// <summary>The values of an int64 tensor, whether stored in raw_data or int64_data.</summary>
    public static long[] ToInt64Array(TensorProto t)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Int64)
            throw new InvalidDataException($"Tensor '{t.Name}' is {(TensorProto.Types.DataType)t.DataType}, expected int64.");
        if (!t.RawData.IsEmpty)
            return MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray();
        return t.Int64Data.ToArray();
    }

    /// <summary>Number of elements a tensor's dims describe.</summary>
    public static long ElementCount(TensorProto t)
    {
        long n = 1;
        foreach (var d in t.Dims) n *= d;
        return n;
    }
}
