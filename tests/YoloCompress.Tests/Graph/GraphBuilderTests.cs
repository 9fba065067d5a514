using Google.Protobuf;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Graph;

public class GraphBuilderTests
{
    public static TheoryData<string> Checkpoints()
    {
        var data = new TheoryData<string>();
        foreach (var path in TestData.AllCheckpoints()) data.Add(Path.GetFileName(path));
        return data;
    }

    [SharedDataTheory("weights")]
    [MemberData(nameof(Checkpoints))]
    public void Every_checkpoint_builds_folds_and_runs(string file)
    {
        var ckpt = CheckpointReader.Read(TestData.Weights(file));
        var model = YoloGraphBuilder.Build(ckpt);
        var folded = BatchNormFolding.Fold(model);
        var input = OrtRunner.RandomImage(640);

        var (raw, shape) = OrtRunner.Run(model, input, 640);
        var (fused, fusedShape) = OrtRunner.Run(folded, input, 640);

        int columns = ckpt.Architecture.ClassCount + 5;
        Assert.Equal(new[] { 1, 25200, columns }, shape);
        Assert.Equal(shape, fusedShape);
        Assert.All(raw, v => Assert.True(float.IsFinite(v)));
        Assert.DoesNotContain(folded.Graph.Node, n => n.OpType == "BatchNormalization");
        // Folding changes rounding only: within 1e-4 relative (pixel coordinates reach hundreds).
        for (int i = 0; i < raw.Length; i++)
            Assert.True(Math.Abs(raw[i] - fused[i]) <= 1e-4 * Math.Max(1, Math.Abs(raw[i])),
                $"{file}: value {i} is {raw[i]} unfolded, {fused[i]} folded");
        // Objectness and class scores are sigmoids, boxes are positive.
        for (int row = 0; row < 25200; row += 97)
            for (int k = 2; k < columns; k++)
                Assert.InRange(raw[row * columns + k], 0f, k < 4 ? 640f * 8 : 1f);
    }

    [Fact]
    public void Graph_follows_the_naming_conventions()
    {
        var model = YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n));
        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, model.OpsetImport.Single().Version);

        var input = model.Graph.Input.Single();
        Assert.Equal("images", input.Name);
        Assert.Equal(new[] { "batch", "", "", "" }, input.Type.TensorType.Shape.Dim.Select(d => d.DimParam));
        Assert.Equal(new long[] { 0, 3, 640, 640 }, input.Type.TensorType.Shape.Dim.Select(d => d.DimValue));
        var output = model.Graph.Output.Single();
        Assert.Equal("output0", output.Name);
        Assert.Equal("batch", output.Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(new long[] { 25200, 85 }, output.Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));

        var nodes = model.Graph.Node.ToDictionary(n => n.Name);
        Assert.Equal(model.Graph.Node.Count, nodes.Count); // unique names
        Assert.Equal("Conv", nodes["model.0.conv"].OpType);
        Assert.Equal(new[] { "images", "model.0.conv.weight" }, nodes["model.0.conv"].Input);
        Assert.Equal("BatchNormalization", nodes["model.0.bn"].OpType);
        Assert.Equal(new[] { "model.0.conv", "model.0.bn.weight", "model.0.bn.bias", "model.0.bn.running_mean", "model.0.bn.running_var" }, nodes["model.0.bn"].Input);
        Assert.Equal(0.001f, nodes["model.0.bn"].Attribute.Single(a => a.Name == "epsilon").F);
        Assert.Equal("Sigmoid", nodes["model.0.act.sigmoid"].OpType);
        Assert.Equal(new[] { "model.0.bn", "model.0.act.sigmoid" }, nodes["model.0.act"].Input);
        Assert.Equal("Add", nodes["model.2.m.0.add"].OpType);
        Assert.Equal("Conv", nodes["model.2.m.0.cv2.conv"].OpType);
        Assert.Equal("MaxPool", nodes["model.9.m.2"].OpType);
        Assert.Equal("Resize", nodes["model.11"].OpType);
        Assert.Equal(new[] { "model.11", "model.6.cv3.act" }, nodes["model.12"].Input);
        Assert.Equal(new[] { "model.17.cv3.act", "model.24.m.0.weight", "model.24.m.0.bias" }, nodes["model.24.m.0"].Input);
        Assert.False(nodes.ContainsKey("model.13.m.0.add")); // head C3 blocks have shortcut=False
        foreach (var node in model.Graph.Node.Where(n => n.Output.Count == 1))
            Assert.Equal(node.Name, node.Output[0]);
        Assert.Equal(new[] { "model.24.decode.0.split:0", "model.24.decode.0.split:1", "model.24.decode.0.split:2" }, nodes["model.24.decode.0.split"].Output);

        // The stride-8 grid starts at cell (x, y) = (0, 0) minus 0.5; anchors are in pixels.
        var grid = model.Graph.Initializer.Single(t => t.Name == "model.24.decode.0.grid");
        Assert.Equal(new long[] { 1, 1, 80 * 80, 2 }, grid.Dims);
        var offsets = Core.OnnxModel.OnnxTensors.ToFloatArray(grid);
        Assert.Equal(new[] { -0.5f, -0.5f, 0.5f, -0.5f }, offsets[..4]); // (x, y) of cells (0, 0) and (1, 0)
        Assert.Equal(new[] { -0.5f, 0.5f }, offsets[(2 * 80)..(2 * 80 + 2)]); // cell (0, 1)
        var anchors = model.Graph.Initializer.Single(t => t.Name == "model.24.decode.2.anchor_grid");
        Assert.Equal(new[] { 116f, 90f, 156f, 198f, 373f, 326f }, Core.OnnxModel.OnnxTensors.ToFloatArray(anchors));
    }

    [SharedDataFact("weights/yolov5n-face-1cls.pt")]
    public void Metadata_is_written_like_the_reference_exporter()
    {
        var model = YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n));
        Assert.Equal(new[] { "stride", "names", "imgsz" }, model.MetadataProps.Select(p => p.Key));
        Assert.Equal("32", ModelMetadata.Get(model, "stride"));
        Assert.Equal("[640, 640]", ModelMetadata.Get(model, "imgsz"));
        var names = ModelMetadata.Get(model, "names")!;
        Assert.StartsWith("{0: 'person', 1: 'bicycle', 2: 'car', ", names);
        Assert.EndsWith("78: 'hair drier', 79: 'toothbrush'}", names);

        var face = YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Weights("yolov5n-face-1cls.pt")), 320);
        Assert.Equal("{0: 'face'}", ModelMetadata.Get(face, "names"));
        Assert.Equal("[320, 320]", ModelMetadata.Get(face, "imgsz"));
        Assert.Equal("\"it's\"", ModelMetadata.PythonRepr("it's"));
        Assert.Equal(@"'a\\b'", ModelMetadata.PythonRepr(@"a\b"));
    }

    [Fact]
    public void Batch_stays_dynamic_and_other_input_sizes_work()
    {
        var ckpt = CheckpointReader.Read(TestData.Yolov5n);
        var model = YoloGraphBuilder.Build(ckpt, 320);
        var one = OrtRunner.RandomImage(320, seed: 3);
        var two = one.Concat(OrtRunner.RandomImage(320, seed: 4)).ToArray();

        var (single, singleShape) = OrtRunner.Run(model, one, 320);
        var (pair, pairShape) = OrtRunner.Run(model, two, 320, batch: 2);

        Assert.Equal(new[] { 1, 6300, 85 }, singleShape); // 3 * (40² + 20² + 10²)
        Assert.Equal(new[] { 2, 6300, 85 }, pairShape);
        for (int i = 0; i < single.Length; i++) Assert.Equal(single[i], pair[i], 1e-3f * Math.Max(1, Math.Abs(single[i])));
        Assert.Throws<ArgumentOutOfRangeException>(() => YoloGraphBuilder.Build(ckpt, 330));
    }

    [Fact]
    public void Building_is_deterministic_and_fast()
    {
        var ckpt = CheckpointReader.Read(TestData.Yolov5n);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var first = BatchNormFolding.Fold(YoloGraphBuilder.Build(ckpt)).ToByteArray();
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"build + fold took {started.Elapsed}");
        var second = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n))).ToByteArray();
        Assert.Equal(first, second);
    }
}
