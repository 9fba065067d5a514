using Google.Protobuf;
using Onnx;
using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime.Apps;

/// <summary>A model with symbolic height and width (per-image rectangles) through the app paths: frames, concurrent
/// calls and lists, on a model whose output is a known constant, so the boxes can be checked exactly.</summary>
public class PerImageShapeTests
{
    // cx, cy, w, h, obj, cat, dog: xyxy (22, 27, 42, 37) and (45, 18, 51, 30) in input pixels.
    private static readonly float[][] Rows =
    [
        [32, 32, 20, 10, 0.9f, 0.9f, 0.1f],
        [48, 24, 6, 12, 0.7f, 0.2f, 0.6f],
    ];

    [Fact]
    public async Task FramesThreadsAndLists_OnPerImageShapes_GiveTheImagePathsDetections()
    {
        using var detector = new YoloDetector(SymbolicShapeModel());
        Assert.True(detector.Geometry.IsPerImage);
        var image = new RgbImage(128, 64, new byte[128 * 64 * 3]);
        var transform = detector.Geometry.Plan(128, 64);
        Assert.Equal((64, 32), (transform.InputWidth, transform.InputHeight)); // scaled by 0.5, no padding needed

        var fromImage = detector.Detect(image);   // the first run at 64x32 learns its rows...
        var again = detector.Detect(image);       // ...later ones write into the bound buffer
        Assert.Equal([transform.ToOriginal(new BoundingBox(22, 27, 42, 37)), transform.ToOriginal(new BoundingBox(45, 18, 51, 30))],
            fromImage.Select(d => d.Box));
        Assert.Equal(fromImage, again);

        var (pixels, layout) = Frames.From(image, PixelFormat.Bgra32, 8);
        Assert.Equal(fromImage, detector.Detect(pixels, layout));

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => detector.Detect(new Frame(pixels, layout)))));
        Assert.All(concurrent, d => Assert.Equal(fromImage, d));

        var square = new RgbImage(64, 64, new byte[64 * 64 * 3]); // another shape in the same list: run one by one
        var batch = detector.Detect([image, square, image]);
        Assert.Equal([fromImage, detector.Detect(square), fromImage], batch);
    }

    /// <summary>Input <c>images [batch, 3, height, width]</c>, imgsz 64, stride 32; output the constant rows.</summary>
    private static byte[] SymbolicShapeModel()
    {
        var model = ModelProto.Parser.ParseFrom(TinyModels.ConstantOutput(Rows, 64, "{0: 'cat', 1: 'dog'}"));
        var dims = model.Graph.Input[0].Type.TensorType.Shape.Dim;
        (dims[0].DimParam, dims[2].DimParam, dims[3].DimParam) = ("batch", "height", "width");
        model.MetadataProps.Add(new StringStringEntryProto { Key = "imgsz", Value = "[64, 64]" });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "stride", Value = "32" });
        return model.ToByteArray();
    }
}
