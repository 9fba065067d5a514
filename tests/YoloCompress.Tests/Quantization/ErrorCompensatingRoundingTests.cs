using YoloCompress.Core.Calibration;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Quantization;

namespace YoloCompress.Tests.Quantization;

/// <summary>Rounding a 1x1 conv's int8 weights for its output: against rounding each weight to nearest, on inputs whose
/// channels correlate as real features do.</summary>
public class ErrorCompensatingRoundingTests
{
    private const int Outputs = 24, Inputs = 32, Positions = 4096;

    [Fact]
    public void The_output_error_is_smaller_than_rounding_to_nearest_with_the_same_scales()
    {
        var random = new Random(7);
        // Inputs: 4 shared factors plus noise, positive-biased like SiLU outputs, as one [1, C, 64, 64] "image".
        var factors = new float[4 * Positions];
        for (int i = 0; i < factors.Length; i++) factors[i] = (float)random.NextDouble() * 2;
        var mixing = Enumerable.Range(0, Inputs * 4).Select(_ => (float)random.NextDouble()).ToArray();
        var x = new float[Inputs * Positions];
        for (int c = 0; c < Inputs; c++)
            for (int p = 0; p < Positions; p++)
            {
                float v = 0.1f * (float)random.NextDouble();
                for (int f = 0; f < 4; f++) v += mixing[c * 4 + f] * factors[f * Positions + p];
                x[c * Positions + p] = v;
            }
        var weights = Enumerable.Range(0, Outputs * Inputs).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var weight = OnnxTensors.Float("w", [Outputs, Inputs, 1, 1], weights);
        var moments = ChannelCovariance.Of("x", x, [1, Inputs, 64, 64]);

        var (nearest, scales) = WeightQuantization.QuantizeWeight(weight);
        var (compensated, compensatedScales) = ErrorCompensatingRounding.Quantize(weight, moments);

        Assert.Equal(scales, compensatedScales);
        Assert.All(compensated, v => Assert.InRange(v, (sbyte)-127, (sbyte)127));
        double Error(sbyte[] q)
        {
            double total = 0;
            for (int p = 0; p < Positions; p++)
                for (int o = 0; o < Outputs; o++)
                {
                    double e = 0;
                    for (int c = 0; c < Inputs; c++) e += (weights[o * Inputs + c] - q[o * Inputs + c] * scales[o]) * x[c * Positions + p];
                    total += e * e;
                }
            return total / (Positions * Outputs);
        }
        double before = Error(nearest), after = Error(compensated);
        Assert.True(after < 0.5 * before, $"output mean square error {after:G3} with compensation, {before:G3} to nearest");
        // Each weight still within a few steps of its own value: the compensation redistributes rounding, it does not refit.
        for (int i = 0; i < weights.Length; i++)
            Assert.InRange(Math.Abs(compensated[i] * scales[i / Inputs] - weights[i]), 0, 8 * scales[i / Inputs]);
    }
}
