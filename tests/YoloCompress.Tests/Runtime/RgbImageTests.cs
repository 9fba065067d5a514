using SkiaSharp;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Runtime;

public class RgbImageTests
{
    [Fact]
    public void Load_Jpeg_DecodesSizeAndPlausiblePixels()
    {
        var image = RgbImage.Load(TestData.Reference("bus.jpg"));

        Assert.Equal((810, 1080), (image.Width, image.Height));
        Assert.Equal(810 * 1080 * 3, image.Pixels.Length);
        Assert.True(image.Pixels.Distinct().Count() > 200, "a photo uses most byte values");
    }

    [Fact]
    public void Decode_FromStreamAndBytes_GiveTheSamePixels()
    {
        var path = TestData.Reference("zidane.jpg");
        using var stream = File.OpenRead(path);
        var fromStream = RgbImage.Decode(stream, path);
        var fromBytes = RgbImage.Decode(File.ReadAllBytes(path), path);

        Assert.Equal(fromBytes.Pixels, fromStream.Pixels);
    }

    [Fact]
    public void Decode_Png_KeepsExactRgbAndDropsAlpha()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(3, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.SetPixel(0, 0, new SKColor(255, 0, 0));
        bitmap.SetPixel(1, 0, new SKColor(0, 255, 0));
        bitmap.SetPixel(2, 0, new SKColor(0, 0, 255));
        bitmap.SetPixel(0, 1, new SKColor(10, 20, 30, 128)); // half transparent: colour kept as stored
        bitmap.SetPixel(1, 1, new SKColor(200, 100, 50));
        bitmap.SetPixel(2, 1, new SKColor(1, 2, 3));
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);

        var image = RgbImage.Decode(png.ToArray(), "test.png");

        Assert.Equal((3, 2), (image.Width, image.Height));
        Assert.Equal(new byte[] { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 200, 100, 50, 1, 2, 3 }, image.Pixels);
    }

    [Theory]
    [InlineData(6, true)]   // rotate 90 clockwise: the left (red) half becomes the top
    [InlineData(8, false)]  // rotate 90 counter-clockwise: the left (red) half becomes the bottom
    public void Decode_JpegWithExifOrientation_IsTurnedUpright(int orientation, bool redOnTop)
    {
        // 32x16: left half red, right half blue; stored sideways with an EXIF orientation tag.
        using var bitmap = new SKBitmap(32, 16);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Blue);
            using var paint = new SKPaint { Color = SKColors.Red };
            canvas.DrawRect(0, 0, 16, 16, paint);
        }
        using var jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
        var bytes = WithExifOrientation(jpeg.ToArray(), (ushort)orientation);

        var image = RgbImage.Decode(bytes, "rotated.jpg");

        Assert.Equal((16, 32), (image.Width, image.Height));
        byte topRed = image.Pixels[(8 * 16 + 8) * 3], bottomRed = image.Pixels[(24 * 16 + 8) * 3];
        Assert.Equal(redOnTop, topRed > 200);
        Assert.Equal(!redOnTop, bottomRed > 200);
    }

    [Fact]
    public void Load_CorruptFile_ThrowsNamingTheFile()
    {
        using var temp = new TempFolder();
        var dir = temp.Path;
        var path = Path.Combine(dir, "broken.jpg");
        File.WriteAllBytes(path, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6, 7, 8]);
        var ex = Assert.Throws<InvalidDataException>(() => RgbImage.Load(path));
        Assert.Contains(path, ex.Message);

        var text = Path.Combine(dir, "notes.png");
        File.WriteAllText(text, "this is not an image");
        ex = Assert.Throws<InvalidDataException>(() => RgbImage.Load(text));
        Assert.Contains(text, ex.Message);

        var truncated = Path.Combine(dir, "truncated.jpg");
        File.WriteAllBytes(truncated, File.ReadAllBytes(TestData.Reference("bus.jpg"))[..5000]);
        ex = Assert.Throws<InvalidDataException>(() => RgbImage.Load(truncated));
        Assert.Contains(truncated, ex.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => RgbImage.Load("/nonexistent/image.jpg"));
        Assert.Contains("/nonexistent/image.jpg", ex.Message);
    }

    /// <summary>Inserts an APP1 Exif segment holding only the orientation tag right after SOI.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,           // big-endian TIFF header, IFD at 8
            0, 1,                                                // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1,                        // tag 0x0112 SHORT x1
            (byte)(orientation >> 8), (byte)orientation, 0, 0,   // value
            0, 0, 0, 0,                                          // no next IFD
        ];
        byte[] exifHeader = [(byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0];
        int length = 2 + exifHeader.Length + tiff.Length;
        var segment = new List<byte> { 0xFF, 0xE1, (byte)(length >> 8), (byte)length };
        segment.AddRange(exifHeader);
        segment.AddRange(tiff);
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }
}
