namespace YoloCompress.Core.Calibration;

/// <summary>What the consumers of a tensor do to it before anything else reads the values: lets a
/// range method weigh errors where they matter. A convolution output read only by a SiLU
/// (Sigmoid and Mul) can be clipped far below zero almost for free, because SiLU is flat there:
/// yolov5n's conv outputs reach -117 while SiLU(-8) is -0.003.</summary>
public enum ActivationFunction
{
    /// <summary>The values are used as they are.</summary>
    Identity,

    /// <summary>Read only by a Sigmoid.</summary>
    Sigmoid,

    /// <summary>Read only by x * sigmoid(x) (a Sigmoid and the Mul of the tensor with it).</summary>
    Silu,
}

internal static class ActivationFunctions
{
    public static double Apply(this ActivationFunction f, double x) => f switch
    {
        ActivationFunction.Sigmoid => Sigmoid(x),
        ActivationFunction.Silu => x * Sigmoid(x),
        _ => x,
    };

    public static double Derivative(this ActivationFunction f, double x)
    {
        switch (f)
        {
            case ActivationFunction.Sigmoid:
                double s = Sigmoid(x);
                return s * (1 - s);
            case ActivationFunction.Silu:
                double t = Sigmoid(x);
                return t * (1 + x * (1 - t));
            default:
                return 1;
        }
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
