using Onnx;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Training;

/// <summary>Quantization-aware training hooks for a <see cref="GraphModule"/>, mirroring the QDQ model ONNX Runtime
/// will run: weights symmetric int8 (or int4) per output channel (scale from the current weights, max |w| / 127, or / 7), activations
/// per tensor with fixed calibrated ranges (uint8 asymmetric or int8 symmetric, as Core's quantizer writes them).
/// Rounding passes gradients straight through (STE); activations outside the range get none, as clipping does.</summary>
public static class FakeQuantization
{
    /// <param name="weightBits">Bits of each convolution's weights, 8 or 4; 0 for those the quantizer keeps float.</param>
    /// <param name="activationRanges">Calibrated (min, max) of each activation tensor that is quantized.</param>
    /// <param name="signedActivations">int8 symmetric instead of uint8 asymmetric.</param>
    public static void Apply(GraphModule module, Func<NodeProto, int> weightBits,
        IReadOnlyDictionary<string, (float Min, float Max)> activationRanges, bool signedActivations = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        module.WeightTransform = (node, w) => node.OpType == "Conv" && weightBits(node) is var bits and > 0 ? PerChannelWeights(w, bits) : w;
        module.ActivationTransform = (name, x) => activationRanges.TryGetValue(name, out var r) ? PerTensor(x, r.Min, r.Max, signedActivations) : x;
    }

    public static void Remove(GraphModule module)
    {
        module.WeightTransform = null;
        module.ActivationTransform = null;
    }

    /// <summary>Symmetric per output channel (dimension 0), range [-127, 127] for 8 bits, [-7, 7] for 4, as the QDQ writer uses.</summary>
    internal static Tensor PerChannelWeights(Tensor w, int bits = 8)
    {
        float limit = (1 << (bits - 1)) - 1;
        var shape = new long[w.dim()];
        Array.Fill(shape, 1L);
        shape[0] = w.shape[0];
        Tensor scale;
        using (no_grad())
            scale = w.detach().abs().reshape(w.shape[0], -1).amax([1]).clamp_min(1e-12f).div(limit).reshape(shape);
        var q = (w / scale).round().clamp(-limit, limit) * scale;
        return w + (q - w).detach();
    }

    /// <summary>Per-tensor fake quantization to the calibrated range (widened to contain zero, as ONNX requires).</summary>
    internal static Tensor PerTensor(Tensor x, float min, float max, bool signed)
    {
        min = Math.Min(min, 0);
        max = Math.Max(max, 0);
        float scale, zero;
        int qmin, qmax;
        if (signed)
        {
            scale = Math.Max(Math.Max(-min, max) / 127f, 1e-12f);
            (zero, qmin, qmax) = (0, -128, 127);
        }
        else
        {
            scale = Math.Max((max - min) / 255f, 1e-12f);
            (zero, qmin, qmax) = (MathF.Round(-min / scale), 0, 255);
        }
        float lo = (qmin - zero) * scale, hi = (qmax - zero) * scale;
        var clipped = x.clamp(lo, hi);
        var q = ((x / scale).round() + zero).clamp(qmin, qmax).sub(zero).mul(scale);
        return clipped + (q - clipped).detach();
    }
}
