using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Quantization;

/// <summary>int8 weights of a 1x1 conv rounded to keep its output, not each weight, close to float: the rounding
/// error of one input channel's weights is pushed onto the channels not yet rounded, in proportion to how the
/// calibration inputs correlate them (OPTQ/GPTQ, Frantar et al. 2023). Scales stay max|w| / 127 per output channel, as
/// <see cref="WeightQuantization.QuantizeWeight"/> gives; only the integers change.</summary>
/// <remarks>Used for the Detect convs when they go int8 (<see cref="HeadConvPrecision.Int8"/>): their outputs are the
/// logits the decode exponentiates, and nothing after them averages rounding noise out. With x the conv's input, the
/// error of output o is sum_c dW[o,c] x_c, whose mean square is dW_o^T H dW_o with H = E[x x^T]; rounding channel c
/// and updating the rest by -err_c H^-1[c, c+1:] / H^-1[c, c] minimises it greedily, column by column (the upper
/// Cholesky factor of H^-1 does those updates exactly).</remarks>
internal static class ErrorCompensatingRounding
{
    /// <summary>Dampening added to H's diagonal, as a fraction of its mean: keeps H^-1 stable when channels are
    /// nearly collinear or (pruned) always zero.</summary>
    private const double Dampening = 0.01;

    /// <param name="weight">[out, in, 1, 1] float weights.</param>
    /// <param name="input">Second moments of the conv's input channels over the calibration images.</param>
    public static (sbyte[] Values, float[] Scales) Quantize(TensorProto weight, ChannelCovariance input)
    {
        var (_, scales) = WeightQuantization.QuantizeWeight(weight);
        var trained = OnnxTensors.ToFloatArray(weight);
        int outputs = (int)weight.Dims[0], n = (int)weight.Dims[1];
        if (input.Channels != n)
            throw new InvalidOperationException($"Weight '{weight.Name}' reads {n} channels but its input has {input.Channels}.");

        var h = new double[n, n];
        double meanDiagonal = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) h[i, j] = input.SecondMoment(i, j);
            meanDiagonal += h[i, i] / n;
        }
        double damp = Dampening * meanDiagonal + 1e-12;
        for (int i = 0; i < n; i++) h[i, i] += damp;

        // H^-1, then its upper Cholesky factor U (H^-1 = U^T U), read as the lower factor's transpose.
        var lower = ChannelCovariance.Cholesky(h);
        var inverse = new double[n, n];
        var unit = new double[n];
        for (int j = 0; j < n; j++)
        {
            Array.Clear(unit);
            unit[j] = 1;
            var column = ChannelCovariance.Solve(lower, unit);
            for (int i = 0; i < n; i++) inverse[i, j] = column[i];
        }
        var u = ChannelCovariance.Cholesky(inverse); // u[j, c] is U[c, j]

        var values = new sbyte[trained.Length];
        var row = new double[n];
        for (int o = 0; o < outputs; o++)
        {
            for (int c = 0; c < n; c++) row[c] = trained[o * n + c];
            double scale = scales[o];
            for (int c = 0; c < n; c++)
            {
                double q = Math.Clamp(Math.Round(row[c] / scale, MidpointRounding.ToEven), -127, 127);
                values[o * n + c] = (sbyte)q;
                double error = (row[c] - q * scale) / u[c, c];
                for (int j = c + 1; j < n; j++) row[j] -= error * u[j, c];
            }
        }
        return (values, scales);
    }
}
