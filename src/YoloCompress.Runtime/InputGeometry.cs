using System.Globalization;

namespace YoloCompress.Runtime;

/// <summary>How an image is fitted to a model's input: letterboxed into one fixed <see cref="Width"/> x
/// <see cref="Height"/> (square or rectangle), or, for a model with symbolic height and width, into each image's own
/// smallest stride-multiple rectangle whose long side is <see cref="Width"/> (ultralytics detect.py's
/// <c>letterbox(auto=True)</c>: scale the long side to the target, then pad each side only up to the next multiple of
/// the stride).</summary>
public readonly record struct InputGeometry
{
    private InputGeometry(int width, int height, int stride)
    {
        Width = width;
        Height = height;
        Stride = stride;
    }

    /// <summary>The input width; for per-image shapes, the long side every image is scaled to.</summary>
    public int Width { get; }

    /// <summary>The input height; for per-image shapes, equal to <see cref="Width"/> (the largest input it gives).</summary>
    public int Height { get; }

    /// <summary>For per-image shapes, the multiple each side is padded to; 0 for a fixed input.</summary>
    public int Stride { get; }

    /// <summary>Whether each image gets its own input shape.</summary>
    public bool IsPerImage => Stride > 0;

    /// <summary>A fixed input of <paramref name="width"/> x <paramref name="height"/> pixels.</summary>
    public static InputGeometry Fixed(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        return new InputGeometry(width, height, 0);
    }

    /// <summary>Per-image rectangles: the long side scaled to <paramref name="longSide"/>, each side padded to a
    /// multiple of <paramref name="stride"/>.</summary>
    public static InputGeometry PerImage(int longSide, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfLessThan(longSide, stride);
        if (longSide % stride != 0)
            throw new ArgumentOutOfRangeException(nameof(longSide), longSide, $"The long side must be a multiple of the stride {stride}.");
        return new InputGeometry(longSide, longSide, stride);
    }

    /// <summary>Where a <paramref name="imageWidth"/> x <paramref name="imageHeight"/> image goes in the input,
    /// with the input's size for that image (<see cref="LetterboxTransform.InputWidth"/>, <see cref="LetterboxTransform.InputHeight"/>).</summary>
    public LetterboxTransform Plan(int imageWidth, int imageHeight) =>
        IsPerImage
            ? Letterbox.PlanRectangle(imageWidth, imageHeight, Width, Stride)
            : Letterbox.Plan(imageWidth, imageHeight, Width, Height);

    /// <summary>The setting's spelling: <c>640</c>, <c>640x384</c> (width x height) or <c>dynamic:640</c>.</summary>
    public override string ToString() =>
        IsPerImage ? string.Create(CultureInfo.InvariantCulture, $"dynamic:{Width}")
        : Width == Height ? Width.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}");
}
