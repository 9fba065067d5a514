using SkiaSharp;

namespace YoloCompress.Core.Evaluation;

/// <summary>An image file's width and height as <see cref="Runtime.RgbImage.Load"/> would decode it (EXIF orientation
/// applied), read from its header without decoding the pixels.</summary>
internal static class ImageDimensions
{
    public static (int Width, int Height) Read(string path)
    {
        using var codec = SKCodec.Create(path)
            ?? throw new InvalidDataException($"Image '{path}' cannot be read: not an image SkiaSharp can decode.");
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        bool swapsAxes = codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
            or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        return swapsAxes ? (h, w) : (w, h);
    }
}
