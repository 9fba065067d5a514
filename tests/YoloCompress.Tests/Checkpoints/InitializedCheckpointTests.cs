using System.Buffers.Binary;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Initialization;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Checkpoints;

/// <summary><c>init</c>: random checkpoints of the standard architectures, in ultralytics' own format.</summary>
public sealed class InitializedCheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string arch, int classes = 80, int seed = 0, string? name = null)
    {
        var path = Path.Combine(_temp.Path, name ?? arch + ".pt");
        CheckpointInitializer.Write(arch, path, classes, seed);
        return path;
    }

    [Theory]
    // ultralytics' model summaries (v6.0-v7.0): parameters before fusion (training), after (detect.py), GFLOPs at 640.
    [InlineData("yolov5n", 1_872_157L, 1_867_405L, 4.5)]
    [InlineData("yolov5s", 7_235_389L, 7_225_885L, 16.4)]
    [InlineData("yolov5m", 21_190_557L, 21_172_173L, 48.9)]
    [InlineData("yolov5n6", 3_246_940L, 3_239_884L, 4.6)]
    [InlineData("yolov5s6", 12_626_620L, 12_612_508L, 16.8)]
    public void Each_architecture_reads_back_with_the_released_models_figures(string arch, long unfused, long fused, double gflopsAt640)
    {
        var checkpoint = CheckpointReader.Read(Write(arch));
        Assert.Equal(unfused, checkpoint.ParameterCount);
        Assert.Equal(arch.EndsWith('6') ? 1280 : 640, checkpoint.DefaultInputSize);
        Assert.Equal(arch.EndsWith('6') ? new float[] { 8, 16, 32, 64 } : new float[] { 8, 16, 32 }, checkpoint.Strides);
        var stats = ModelStatistics.Compute(BatchNormFolding.Fold(YoloGraphBuilder.Build(checkpoint, 640)));
        Assert.Equal(fused, stats.Parameters);
        Assert.Equal(gflopsAt640, stats.Flops / 1e9, 1);
    }

    [Fact]
    public void The_module_tree_is_the_released_yolov5n_one()
    {
        var released = CheckpointReader.Read(TestData.Yolov5n);
        var written = CheckpointReader.Read(Write("yolov5n"));
        static IEnumerable<string> Modules(YoloCheckpoint c) =>
            c.Root.SelfAndDescendants().Where(m => m.Path.Length > 0).Select(m => $"{m.Path} {m.TypeName} {string.Join(",", m.Attributes.Keys.Where(k => k != "recompute_scale_factor").Order())}");
        Assert.Equal(Modules(released), Modules(written));
        Assert.Equal(released.Tensors.ToDictionary(t => t.Key, t => string.Join("x", t.Value.Shape)),
            written.Tensors.ToDictionary(t => t.Key, t => string.Join("x", t.Value.Shape)));
        Assert.Equal(released.Architecture.Layers.Select(l => l.ToString()), written.Architecture.Layers.Select(l => l.ToString()));
        Assert.Equal(released.Tensor("model.24.anchors").Data, written.Tensor("model.24.anchors").Data);
    }

    [Fact]
    public void The_same_seed_gives_the_same_bytes_and_another_seed_other_weights()
    {
        var a = File.ReadAllBytes(Write("yolov5n", name: "a.pt"));
        var b = File.ReadAllBytes(Write("yolov5n", name: "b.pt"));
        var c = File.ReadAllBytes(Write("yolov5n", seed: 1, name: "c.pt"));
        Assert.Equal(a, b);
        Assert.Equal(a.Length, c.Length);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Classes_set_the_head_and_the_names()
    {
        var checkpoint = CheckpointReader.Read(Write("yolov5n", classes: 3));
        Assert.Equal(new[] { "0", "1", "2" }, checkpoint.Names);
        Assert.Equal(new[] { 24, 64, 1, 1 }, checkpoint.Tensor("model.24.m.0.weight").Shape);
        // yolov5's _initialize_biases: objectness starts at log(8 / (640 / 8)^2), classes at log(0.6 / (nc - 0.99)).
        var bias = checkpoint.Tensor("model.24.m.0.bias").Data;
        Assert.InRange(bias[4], Math.Log(8 / 6400.0) - 0.2, Math.Log(8 / 6400.0) + 0.2);
        Assert.InRange(bias[5], Math.Log(0.6 / 2.01) - 0.2, Math.Log(0.6 / 2.01) + 0.2);
    }

    [Fact]
    public void Activations_neither_vanish_nor_explode_through_the_network()
    {
        // torch's default BatchNorm statistics would shrink activations about threefold per conv (yolov5s has 60 in
        // a row at most): a deep random model would calibrate to empty ranges. The written statistics keep the first
        // layers at unit scale; deeper ones drift up (their inputs are spatially correlated, which the estimate
        // ignores) but stay within a few hundred.
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(Write("yolov5s")), 320));
        var convs = model.Graph.Node.Where(n => n.OpType == "Conv" && !n.Name.Contains("model.24", StringComparison.Ordinal))
            .Select(n => n.Output[0]).ToArray();
        var outputs = OrtRunner.RunWithOutputs(model, OrtRunner.RandomImage(320), 320, convs);
        foreach (var (name, values) in outputs)
        {
            double mean = values.Average(v => (double)v);
            double std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            Assert.True(std is > 0.3 and < 1000, $"{name}: standard deviation {std:G3}");
        }
    }

    [Fact]
    public void Storages_are_aligned_to_64_bytes_as_torch_writes_them()
    {
        var bytes = File.ReadAllBytes(Write("yolov5n"));
        int entries = 0;
        for (int at = 0; BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) == 0x04034b50; entries++)
        {
            int name = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 26));
            int extra = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28));
            int size = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at + 22));
            int data = at + 30 + name + extra;
            Assert.Equal(0, data % 64);
            at = data + size;
        }
        Assert.True(entries > 300, $"{entries} records"); // data.pkl, byteorder, version and one per tensor
    }

    [Fact]
    public void An_unknown_architecture_is_refused_with_the_list()
    {
        var result = CliProcess.Run("init", "--arch", "yolov5q", "-o", Path.Combine(_temp.Path, "q.pt"));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("yolov5q", result.StdErr);
        Assert.Contains("yolov5x6", result.StdErr);
        Assert.False(File.Exists(Path.Combine(_temp.Path, "q.pt")));
    }
}
