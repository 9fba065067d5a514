namespace YoloCompress.Core.Pruning;

/// <summary>First-order sensitivities of one tensor's channels, one row an image (and label draw): for row i and channel c,
/// <see cref="ActivationTimesGradient"/>[i][c] = sum over positions of a x dL/da and <see cref="Gradient"/>[i][c] =
/// sum over positions of dL/da, L the loss the training backend differentiates (<see cref="TaylorImportance"/>).
/// Not summed over rows: the Fisher score squares each row's change before it adds them.</summary>
public sealed record ChannelGradients(double[][] ActivationTimesGradient, double[][] Gradient)
{
    public int Rows => Gradient.Length;
}

/// <summary>Computes <see cref="ChannelGradients"/> of the named tensors of a model (the training
/// backend's ChannelGradients, bound to its images and options).</summary>
public delegate IReadOnlyDictionary<string, ChannelGradients> ChannelGradientSource(Onnx.ModelProto model, IReadOnlyCollection<string> tensors);
