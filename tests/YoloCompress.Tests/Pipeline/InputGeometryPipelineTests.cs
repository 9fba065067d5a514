using System.Text.Json;
using Google.Protobuf;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Runtime;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Pipeline;

/// <summary>Rectangles and per-image shapes on the real yolov5n: the graphs compute what the reference decode computes
/// at their shapes, int8 goes through the pipeline at both, and <c>InputSize</c> <c>auto</c> keeps the cheapest candidate
/// within the budget.</summary>
public sealed class InputGeometryPipelineTests : IDisposable
{
    private static readonly Lazy<YoloCheckpoint> Checkpoint = new(() => CheckpointReader.Read(TestData.Yolov5n));
    private readonly string _temp = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static byte[] Folded(InputGeometry geometry) =>
        BatchNormFolding.Fold(YoloGraphBuilder.Build(Checkpoint.Value, geometry)).ToByteArray();

    [Fact]
    public void A_rectangular_graph_has_the_rectangles_grid_rows_and_flops_and_finds_what_the_square_finds()
    {
        var rectangle = YoloGraphBuilder.Build(Checkpoint.Value, InputGeometry.Fixed(640, 384));
        // 3 anchors x (80x48 + 40x24 + 20x12) cells.
        Assert.Equal(15_120, rectangle.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal("[384, 640]", ModelMetadata.Get(rectangle, ModelMetadata.ImageSizeKey));
        double ratio = (double)ModelStatistics.Compute(rectangle).Flops / ModelStatistics.Compute(YoloGraphBuilder.Build(Checkpoint.Value, 640)).Flops;
        Assert.InRange(ratio, 0.59, 0.61); // conv FLOPs scale with the area: 384 / 640

        // zidane.jpg is 1280x720: the rectangle holds it at the square's scale, so the same people are found.
        var image = RgbImage.Load(TestData.Reference("zidane.jpg"));
        using var square = new YoloDetector(RealModel.FoldedYolov5n);
        using var rect = new YoloDetector(Folded(InputGeometry.Fixed(640, 384)));
        Assert.Equal(InputGeometry.Fixed(640, 384), rect.Geometry);
        var expected = square.Detect(image);
        var found = rect.Detect(image);
        Assert.Equal(expected.Select(d => d.ClassId).Order(), found.Select(d => d.ClassId).Order());
        foreach (var d in expected)
            Assert.Contains(found, f => f.ClassId == d.ClassId && Iou(f.Box, d.Box) > 0.9);
    }

    [Theory]
    [InlineData(640, 480)]
    [InlineData(320, 640)]
    [InlineData(640, 32)]
    public void A_per_image_graph_computes_at_each_shape_what_a_fixed_graph_of_that_shape_computes(int width, int height)
    {
        using var perImage = new YoloDetector(Folded(InputGeometry.PerImage(640, 32)));
        using var fixedShape = new YoloDetector(Folded(InputGeometry.Fixed(width, height)));
        Assert.True(perImage.Geometry.IsPerImage);
        var input = OrtRunner.RandomInput(3 * width * height, seed: 7);
        var expected = fixedShape.Run(input).ToArray();
        var actual = perImage.Run(input, width, height).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(MaxDifference(expected, actual) < 1e-3, $"max difference {MaxDifference(expected, actual)}");
    }

    [Fact]
    public void A_per_image_model_detects_on_an_extreme_strip_without_an_exception()
    {
        using var detector = new YoloDetector(Folded(InputGeometry.PerImage(640, 32)));
        var strip = new RgbImage(4000, 100, Enumerable.Range(0, 4000 * 100 * 3).Select(i => (byte)(i * 31 % 251)).ToArray());
        var (output, transform) = detector.Run(strip);
        Assert.Equal((640, 32), (transform.InputWidth, transform.InputHeight));
        Assert.Equal(3 * (80 * 4 + 40 * 2 + 20 * 1), output.Rows);
        Assert.All(detector.Detect(strip), d => Assert.InRange(d.Box.Y2, 0, 100));
    }

    [Theory]
    [InlineData("640x480")]
    [InlineData("dynamic")]
    public void Int8_at_a_rectangle_and_per_image_goes_through_compress_eval_and_the_runtime(string inputSize)
    {
        var settings = ProfileResolver.Resolve("int8", null, [new SettingOverride("InputSize", inputSize, new DiagnosticOrigin("test", "test")),
            new SettingOverride("CalibrationCount", "8", new DiagnosticOrigin("test", "test"))]).Settings;
        CompressionRequest Request(string name) => new(TestData.Yolov5n, CalibrationImages.Select(TestData.Samples("coco16/images"), 8),
            TestData.Coco16, settings, "int8", Path.Combine(_temp, name), "yolov5n");
        var a = CompressionPipeline.Run(Request("a"));
        var b = CompressionPipeline.Run(Request("b"));
        Assert.Equal(File.ReadAllBytes(a.OnnxPath), File.ReadAllBytes(b.OnnxPath));
        Assert.Equal(File.ReadAllBytes(a.MetadataPath), File.ReadAllBytes(b.MetadataPath));

        using var json = JsonDocument.Parse(File.ReadAllText(a.MetadataPath));
        var input = json.RootElement.GetProperty("input");
        bool perImage = inputSize == "dynamic";
        Assert.Equal(640, input.GetProperty("width").GetInt32());
        Assert.Equal(perImage ? 640 : 480, input.GetProperty("height").GetInt32());
        Assert.Equal(perImage ? "per-image" : "fixed", input.GetProperty("shape").GetString());
        Assert.Equal(perImage ? "dynamic:640" : "640x480", input.GetProperty("setting").GetString());

        using var detector = new YoloDetector(a.OnnxPath);
        Assert.Equal(perImage, detector.Geometry.IsPerImage);
        Assert.Equal(perImage ? 640 : 480, detector.InputHeight);
        // The float model at its own square input is what the run is measured against.
        Assert.Equal(4.47, a.Before.GigaFlops, 2);
        Assert.True(a.After.GigaFlops < 0.8 * a.Before.GigaFlops, $"{a.Before.GigaFlops} -> {a.After.GigaFlops} GFLOPs");
        Assert.True(a.After.Map50To95 > a.Before.Map50To95 - 0.02, $"mAP {a.Before.Map50To95} -> {a.After.Map50To95}");
        var bus = detector.Detect(RgbImage.Load(TestData.Reference("bus.jpg")));
        Assert.Contains(bus, d => detector.Names[d.ClassId] == "bus" && d.Confidence > 0.3);
        Assert.True(bus.Count(d => detector.Names[d.ClassId] == "person") >= 3);
    }

    [Fact]
    public void Int8_calibrates_a_per_image_model_on_each_images_own_rectangle()
    {
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(Checkpoint.Value, InputGeometry.PerImage(640, 32)));
        var files = CalibrationImages.Select(TestData.Samples("coco16/images"), 4);
        var shapes = CalibrationImages.Letterboxed(files, InputGeometry.PerImage(640, 32))
            .Select(t => t.Length / 3).ToArray();
        Assert.Contains(shapes, s => s != 640 * 640); // the shipped photos are not square
        var result = ModelQuantizer.Quantize(model, new QuantizationOptions(), new CalibrationOptions(), CalibrationImages.Letterboxed(files, InputGeometry.PerImage(640, 32)));
        using var detector = new YoloDetector(Core.OnnxModel.OnnxSerializer.Serialize(result.Model));
        Assert.True(detector.Geometry.IsPerImage);
        Assert.NotEmpty(detector.Detect(RgbImage.Load(TestData.Reference("zidane.jpg"))));
    }

    [Fact]
    public void InputSize_auto_without_a_validation_set_or_MaxMapDrop_is_YC0024_naming_what_is_missing()
    {
        var settings = new CompressionSettings { InputSize = InputSizeSetting.Auto };
        var request = new CompressionRequest(TestData.Yolov5n, CalibrationImages.Select(TestData.Samples("coco16/images"), 4), null, settings,
            "int8", _temp, "yolov5n");
        var e = Assert.Throws<YoloCompressException>(() => CompressionPipeline.Run(request));
        Assert.Equal("YC0024", e.Diagnostic.Code);
        Assert.Contains("validation set", e.Message);
        Assert.Contains("MaxMapDrop", e.Message);

        var withData = request with { ValidationSet = TestData.Coco16 };
        e = Assert.Throws<YoloCompressException>(() => CompressionPipeline.Run(withData));
        Assert.Equal("YC0024", e.Diagnostic.Code);
        Assert.DoesNotContain("validation set", e.Message);
        Assert.False(File.Exists(Path.Combine(_temp, "yolov5n.onnx")));
    }

    [Fact]
    public void InputSize_auto_keeps_the_cheapest_final_model_within_MaxMapDrop_and_records_every_candidate()
    {
        var settings = new CompressionSettings
        {
            InputSize = InputSizeSetting.Auto, MinInputSize = 576, MaxMapDrop = 0.02, CalibrationCount = 8,
            Quantization = new QuantizationOptions { HeadConvs = HeadConvPrecision.Float },
        };
        var request = new CompressionRequest(TestData.Yolov5n, CalibrationImages.Select(TestData.Samples("coco16/images"), 8), TestData.Coco16,
            settings, "int8", _temp, "yolov5n");
        var outcome = CompressionPipeline.Run(request);
        var search = Assert.IsType<GeometrySearchResult>(outcome.Geometry);

        // The search starts at the model's own size; coco16 is mostly landscape 4:3, so a fitted rectangle is tried too.
        Assert.Equal("640", search.Candidates[0].InputSize);
        Assert.Contains(search.Candidates, c => c.InputSize == "640x480" || c.InputSize == "608x480" || c.InputSize == "576x448");
        double floor = outcome.Before.Map50To95!.Value - 0.02;
        Assert.All(search.Candidates, c => Assert.Equal(c.Map50To95 >= floor, c.WithinBudget));
        var chosen = search.Candidates.Single(c => c.InputSize == search.Chosen);
        Assert.True(chosen.WithinBudget);
        Assert.Equal(search.Candidates.Where(c => c.WithinBudget).Min(c => c.GigaFlops), chosen.GigaFlops);
        Assert.Equal(chosen.Map50To95, outcome.After.Map50To95!.Value, 4);
        Assert.Equal(chosen.GigaFlops, outcome.After.GigaFlops, 3);

        using var json = JsonDocument.Parse(File.ReadAllText(outcome.MetadataPath));
        var recorded = json.RootElement.GetProperty("geometrySearch");
        Assert.Equal(search.Chosen, recorded.GetProperty("chosen").GetString());
        Assert.Equal(search.Candidates.Count, recorded.GetProperty("candidates").GetArrayLength());
        Assert.Equal(search.Chosen, json.RootElement.GetProperty("input").GetProperty("setting").GetString());
    }

    [Fact]
    public void A_fixed_shape_onnx_asked_for_per_image_shapes_is_an_error_naming_its_shape()
    {
        var e = Assert.Throws<YoloCompressException>(() => ModelSource.Load(ReferenceExportVariants.Path, InputSizeSetting.PerImage()));
        Assert.Equal("YC0018", e.Diagnostic.Code);
        Assert.Contains("640x640", e.Message);
        Assert.Contains("dynamic", e.Message);
    }

    [Fact]
    public void A_dynamic_reference_export_keeps_its_symbolic_shape_and_matches_our_per_image_graph()
    {
        var path = ReferenceExportVariants.Write(_temp, 13, dynamic: true, simplified: false);
        var source = ModelSource.Load(path, InputSizeSetting.PerImage());
        Assert.True(source.Geometry.IsPerImage);
        using var theirs = new YoloDetector(source.Folded().ToByteArray());
        using var ours = new YoloDetector(Folded(InputGeometry.PerImage(640, 32)));
        var input = OrtRunner.RandomInput(3 * 640 * 448, seed: 5);
        var expected = ours.Run(input, 640, 448).ToArray();
        var actual = theirs.Run(input, 640, 448).ToArray();
        Assert.True(MaxDifference(expected, actual) < 1e-3, $"max difference {MaxDifference(expected, actual)}");
    }

    private static double MaxDifference(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    private static double Iou(BoundingBox a, BoundingBox b)
    {
        double w = Math.Max(0, Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1)), h = Math.Max(0, Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1));
        double inter = w * h, union = (a.X2 - a.X1) * (a.Y2 - a.Y1) + (b.X2 - b.X1) * (b.Y2 - b.Y1) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
