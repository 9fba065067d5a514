using System.Runtime.InteropServices;
using Onnx;
using YoloCompress.Core.OnnxModel;
using DataType = Onnx.TensorProto.Types.DataType;

namespace YoloCompress.Core.Quantization;

/// <summary>int8 symmetric per-output-channel weights and int32 biases, as initializers plus the
/// DequantizeLinear (axis 0) that turns them back into what the Conv reads.</summary>
internal static class WeightQuantization
{
    /// <summary>Per channel c of a weight [C, ...]: scale = max|w_c| / 127, q = round(w / scale)
    /// in [-127, 127] (-128 left unused, so the range is symmetric and the u8 x s8 products of x86
    /// kernels cannot overflow a 16-bit pair sum as readily). With 4 <paramref name="bits"/>: / 7, in [-7, 7].</summary>
    public static (sbyte[] Values, float[] Scales) QuantizeWeight(TensorProto weight, int bits = 8)
    {
        int limit = (1 << (bits - 1)) - 1;
        var w = OnnxTensors.ToFloatArray(weight);
        int channels = (int)weight.Dims[0];
        int perChannel = w.Length / channels;
        var q = new sbyte[w.Length];
        var scales = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            var slice = w.AsSpan(c * perChannel, perChannel);
            float maxAbs = 0;
            foreach (var v in slice) maxAbs = Math.Max(maxAbs, Math.Abs(v));
            // An all-zero channel (pruned) still needs a positive scale; its values quantize to 0 anyway.
            float scale = maxAbs > 0 ? maxAbs / limit : 1f;
            scales[c] = scale;
            for (int k = 0; k < perChannel; k++)
                q[c * perChannel + k] = (sbyte)Math.Clamp(MathF.Round(slice[k] / scale, MidpointRounding.ToEven), -limit, limit);
        }
        return (q, scales);
    }

    /// <summary>Bias in int32 with per-channel scale inputScale * weightScales[c], the scale QLinearConv
    /// assumes. Returns how many values had to be clamped to int32.</summary>
    public static (int[] Values, float[] Scales, int Clamped) QuantizeBias(TensorProto bias, float inputScale, float[] weightScales)
    {
        var b = OnnxTensors.ToFloatArray(bias);
        var q = new int[b.Length];
        var scales = new float[b.Length];
        int clamped = 0;
        for (int c = 0; c < b.Length; c++)
        {
            scales[c] = inputScale * weightScales[c];
            double v = Math.Round(b[c] / (double)scales[c], MidpointRounding.ToEven);
            if (v > int.MaxValue || v < int.MinValue) clamped++;
            q[c] = (int)Math.Clamp(v, int.MinValue, int.MaxValue);
        }
        return (q, scales, clamped);
    }

    public static TensorProto Int8(string name, IEnumerable<long> dims, sbyte[] values) =>
        OnnxTensors.Raw(name, DataType.Int8, dims.ToArray(), MemoryMarshal.AsBytes(values.AsSpan()));

    /// <summary>ONNX int4 (opset 21): two values a byte, the first in the low nibble, two's complement; an odd count
    /// leaves the last high nibble zero.</summary>
    public static TensorProto Int4(string name, IEnumerable<long> dims, sbyte[] values)
    {
        var packed = new byte[(values.Length + 1) / 2];
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] is < -8 or > 7) throw new ArgumentOutOfRangeException(nameof(values), values[i], $"Value {i} does not fit in int4.");
            packed[i / 2] |= (byte)((values[i] & 0x0F) << (i % 2 * 4));
        }
        return OnnxTensors.Raw(name, Int4Type, dims.ToArray(), packed);
    }

    /// <summary>TensorProto.DataType INT4 (22), which the ONNX classes this project uses predate.</summary>
    public const DataType Int4Type = (DataType)22;

    public static TensorProto Int32(string name, IEnumerable<long> dims, int[] values) =>
        OnnxTensors.Raw(name, DataType.Int32, dims.ToArray(), MemoryMarshal.AsBytes(values.AsSpan()));
}
