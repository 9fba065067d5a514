using System.Globalization;

namespace YoloCompress.Core.Profiles;

/// <summary>What the <c>InputSize</c> setting asks for.</summary>
public enum InputSizeKind
{
    /// <summary>One fixed input: <c>640</c> (square) or <c>640x384</c> (width x height).</summary>
    Fixed,

    /// <summary>Symbolic height and width: each image in its own smallest stride-multiple rectangle
    /// (<c>dynamic</c>: the model's own long side; <c>dynamic:640</c>).</summary>
    Dynamic,

    /// <summary>Chosen by the compressor: the cheapest geometry whose final model stays within MaxMapDrop.</summary>
    Auto,
}

/// <summary>The parsed <c>InputSize</c> setting. For <see cref="InputSizeKind.Fixed"/>, <see cref="Width"/> x
/// <see cref="Height"/>; for <see cref="InputSizeKind.Dynamic"/>, the long side in <see cref="Width"/> (0: the model's
/// own); for <see cref="InputSizeKind.Auto"/>, nothing. Sides are multiples of 32 here; a model whose largest stride is
/// 64 (P6) checks its own when the graph is built.</summary>
public readonly record struct InputSizeSetting(InputSizeKind Kind, int Width, int Height)
{
    /// <summary>The largest side accepted.</summary>
    public const int MaxSide = 4096;

    public static InputSizeSetting Square(int size) => new(InputSizeKind.Fixed, size, size);

    /// <summary>A number is a square, as the setting reads it.</summary>
    public static implicit operator InputSizeSetting(int size) => Square(size);

    public static InputSizeSetting Rectangle(int width, int height) => new(InputSizeKind.Fixed, width, height);

    public static InputSizeSetting PerImage(int longSide = 0) => new(InputSizeKind.Dynamic, longSide, longSide);

    public static InputSizeSetting Auto { get; } = new(InputSizeKind.Auto, 0, 0);

    /// <summary>Parses an InputSize as the command line's <c>--img</c> gives it; an <see cref="ArgumentException"/>
    /// names the value and what is wrong with it.</summary>
    public static InputSizeSetting Parse(string text)
    {
        try
        {
            return Parse(text, SettingDefinitions.LargestStride);
        }
        catch (SettingValueException e)
        {
            throw new ArgumentException($"InputSize '{text}': {e.Message}");
        }
    }

    /// <summary>Parses <c>640</c>, <c>640x384</c>, <c>dynamic</c>, <c>dynamic:640</c> or <c>auto</c> (case-insensitive);
    /// every side a positive multiple of <paramref name="stride"/>.</summary>
    internal static InputSizeSetting Parse(string text, int stride)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "auto") return Auto;
        if (t == "dynamic") return PerImage();
        if (t.StartsWith("dynamic:", StringComparison.Ordinal)) return PerImage(Side(t["dynamic:".Length..], stride, "the long side"));
        int x = t.IndexOf('x');
        if (x < 0) return Square(Side(t, stride, "the size"));
        return Rectangle(Side(t[..x], stride, "the width"), Side(t[(x + 1)..], stride, "the height"));
    }

    private static int Side(string text, int stride, string what)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int side))
            throw new SettingValueException($"{what} '{text}' is not a whole number; expected 640, 640x384 (width x height), dynamic, dynamic:640 or auto");
        if (side <= 0 || side > MaxSide || side % stride != 0)
            throw new SettingValueException($"{what} {side} must be a positive multiple of the model's largest stride ({stride}), at most {MaxSide}");
        return side;
    }

    /// <summary>The setting's spelling, as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => Kind switch
    {
        InputSizeKind.Auto => "auto",
        InputSizeKind.Dynamic => Width > 0 ? string.Create(CultureInfo.InvariantCulture, $"dynamic:{Width}") : "dynamic",
        _ => Width == Height ? Width.ToString(CultureInfo.InvariantCulture) : string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height}"),
    };
}
