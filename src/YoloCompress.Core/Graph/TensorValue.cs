using System.Runtime.InteropServices;
using Onnx;

namespace YoloCompress.Core.Graph;

/// <summary>The contents of a small tensor known before running the model (a shape, an index, a scale):
/// what shape subgraphs compute. Values are held as doubles, exact for any integer a shape holds;
/// <see cref="ElemType"/> says what ONNX type they stand for, so integer arithmetic stays integral.</summary>
internal sealed record TensorValue(long[] Dims, double[] Data, int ElemType)
{
    /// <summary>Tensors larger than this are not folded: shape subgraphs are tiny, the grids they feed are not.</summary>
    public const int MaxElements = 4096;

    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;
    public const int Bool = (int)TensorProto.Types.DataType.Bool;

    public bool IsInteger => ElemType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32
        or (int)TensorProto.Types.DataType.Int16 or (int)TensorProto.Types.DataType.Int8 or (int)TensorProto.Types.DataType.Uint8
        or (int)TensorProto.Types.DataType.Uint16 or (int)TensorProto.Types.DataType.Uint32 or (int)TensorProto.Types.DataType.Uint64
        or (int)TensorProto.Types.DataType.Bool;

    public long[] ToInt64() => Data.Select(v => (long)v).ToArray();

    public static TensorValue Ints(params long[] values) => new(new long[] { values.Length }, values.Select(v => (double)v).ToArray(), Int64);

    public static TensorValue Scalar(double value, int elemType) => new(Array.Empty<long>(), new[] { value }, elemType);

    /// <summary>The value of an initializer or Constant tensor, or null when it is too large or of a type
    /// shape arithmetic never uses.</summary>
    public static TensorValue? Of(TensorProto t)
    {
        long count = 1;
        foreach (var d in t.Dims) count *= d;
        if (count > MaxElements || t.DataLocation == TensorProto.Types.DataLocation.External) return null;
        var raw = t.RawData.Span;
        double[]? data = (TensorProto.Types.DataType)t.DataType switch
        {
            TensorProto.Types.DataType.Float => raw.IsEmpty ? t.FloatData.Select(v => (double)v).ToArray() : Read<float>(raw, v => v),
            TensorProto.Types.DataType.Double => raw.IsEmpty ? t.DoubleData.ToArray() : Read<double>(raw, v => v),
            TensorProto.Types.DataType.Float16 => raw.IsEmpty ? t.Int32Data.Select(v => (double)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray() : Read<Half>(raw, v => (double)v),
            TensorProto.Types.DataType.Int64 => raw.IsEmpty ? t.Int64Data.Select(v => (double)v).ToArray() : Read<long>(raw, v => v),
            TensorProto.Types.DataType.Int32 => raw.IsEmpty ? t.Int32Data.Select(v => (double)v).ToArray() : Read<int>(raw, v => v),
            TensorProto.Types.DataType.Bool or TensorProto.Types.DataType.Uint8 => raw.IsEmpty ? t.Int32Data.Select(v => (double)v).ToArray() : Read<byte>(raw, v => v),
            TensorProto.Types.DataType.Int8 => raw.IsEmpty ? t.Int32Data.Select(v => (double)v).ToArray() : Read<sbyte>(raw, v => v),
            _ => null,
        };
        return data is null || data.Length != count ? null : new TensorValue(t.Dims.ToArray(), data, t.DataType);
    }

    private static double[] Read<T>(ReadOnlySpan<byte> raw, Func<T, double> convert) where T : struct
    {
        var values = MemoryMarshal.Cast<byte, T>(raw);
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = convert(values[i]);
        return result;
    }
}
