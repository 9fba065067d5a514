using System.IO.Compression;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Checkpoints;

public class CheckpointReaderTests
{
    [Fact]
    public void Reads_yolov5n_architecture_names_strides_and_tensors()
    {
        var ckpt = CheckpointReader.Read(TestData.Yolov5n);

        Assert.Equal("model", ckpt.SourceKey); // the release checkpoint has ema = None
        var arch = ckpt.Architecture;
        Assert.Equal(80, arch.ClassCount);
        Assert.Equal(0.33, arch.DepthMultiple, 6);
        Assert.Equal(0.25, arch.WidthMultiple, 6);
        Assert.Equal(3, arch.AnchorsPerLevel);
        Assert.Equal(new double[] { 10, 13, 16, 30, 33, 23 }, arch.Anchors![0]);
        Assert.Equal(25, arch.Layers.Count);
        Assert.Equal("[-1, 1, Conv, [64, 6, 2, 2]]", arch.Layers[0].ToString());
        Assert.Equal("[-1, 1, nn.Upsample, ['None', 2, 'nearest']]", arch.Layers[11].ToString());
        Assert.Equal(new[] { 17, 20, 23 }, arch.Layers[24].From);
        Assert.Equal("Detect", arch.Layers[24].Module);

        Assert.Equal(80, ckpt.Names.Count);
        Assert.Equal("person", ckpt.Names[0]);
        Assert.Equal("toothbrush", ckpt.Names[79]);
        Assert.Equal(new float[] { 8, 16, 32 }, ckpt.Strides);

        var w0 = ckpt.Tensor("model.0.conv.weight");
        Assert.Equal(new[] { 16, 3, 6, 6 }, w0.Shape);
        Assert.Equal(16 * 3 * 6 * 6, w0.Data.Length);
        Assert.True(w0.Data.Any(v => v != 0) && w0.Data.All(float.IsFinite));
        Assert.True(ckpt.Tensor("model.0.bn.running_var").Data.All(v => v > 0));
        Assert.Equal(new[] { 255, 64, 1, 1 }, ckpt.Tensor("model.24.m.0.weight").Shape);
        Assert.Equal(new[] { 255 }, ckpt.Tensor("model.24.m.0.bias").Shape);
        Assert.Null(ckpt.FindTensor("model.0.conv.bias")); // bias=False convs pickle None

        // The torch parameter count of the unfused model (yolov5n summary: 1,872,157 parameters).
        Assert.Equal(1_872_157, ckpt.ParameterCount);
    }

    [Fact]
    public void Anchor_buffer_is_in_grid_units_and_times_stride_gives_the_yaml_pixels()
    {
        var ckpt = CheckpointReader.Read(TestData.Yolov5n);
        var anchors = ckpt.Tensor("model.24.anchors");
        Assert.Equal(new[] { 3, 3, 2 }, anchors.Shape);
        for (int level = 0; level < 3; level++)
            for (int k = 0; k < 6; k++)
                Assert.Equal(ckpt.Architecture.Anchors![level][k], anchors.Data[level * 6 + k] * ckpt.Strides[level], 3);
        Assert.Equal(1.25f, anchors.Data[0]); // 10 px / stride 8
    }

    [Fact]
    public void Module_tree_carries_the_trained_hyperparameters()
    {
        var ckpt = CheckpointReader.Read(TestData.Yolov5n);
        var conv = ckpt.Module("model.0.conv");
        Assert.Equal("torch.nn.modules.conv.Conv2d", conv.TypeName);
        Assert.Equal("Conv2d", conv.ClassName);
        Assert.Equal(new long[] { 6, 6 }, conv.GetInts("kernel_size"));
        Assert.Equal(new long[] { 2, 2 }, conv.GetInts("stride"));
        Assert.Equal(new long[] { 2, 2 }, conv.GetInts("padding"));
        Assert.Equal(1, conv.GetInt("groups"));
        Assert.Equal(new[] { "weight" }, conv.ParameterNames);
        Assert.Equal(new[] { "num_batches_tracked", "running_mean", "running_var" }, ckpt.Module("model.0.bn").BufferNames);
        Assert.Equal(new[] { "anchors" }, ckpt.Module("model.24").BufferNames);
        Assert.Equal(0.001, ckpt.Module("model.0.bn").GetDouble("eps"), 9);
        Assert.Equal("SiLU", ckpt.Module("model.0.act").ClassName);
        Assert.Equal("C3", ckpt.Module("model.2").ClassName);
        Assert.Equal(new[] { "cv1", "cv2", "cv3", "m" }, ckpt.Module("model.2").Children.Select(c => c.Name));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i.ToString()), ckpt.Module("model").Children.Select(c => c.Name));
        var upsample = ckpt.Module("model.11");
        Assert.Equal("Upsample", upsample.ClassName);
        Assert.Equal(2.0, upsample.GetDouble("scale_factor"));
        Assert.Equal("nearest", upsample.GetString("mode"));
        Assert.Equal(5, ckpt.Module("model.9.m").GetInt("kernel_size"));
        Assert.Equal("Detect", ckpt.Module("model.24").ClassName);
    }

    [SharedDataFact("weights")]
    public void Reads_every_shared_checkpoint()
    {
        foreach (var path in TestData.AllCheckpoints())
        {
            var ckpt = CheckpointReader.Read(path);
            Assert.Equal(ckpt.Architecture.ClassCount, ckpt.Names.Count);
            var detect = ckpt.Architecture.Layers[^1];
            Assert.Equal("Detect", detect.Module);
            int no = ckpt.Architecture.AnchorsPerLevel * (ckpt.Architecture.ClassCount + 5);
            Assert.Equal(no, ckpt.Tensor($"model.{detect.Index}.m.0.weight").Shape[0]);
            Assert.All(ckpt.Tensors.Values, t => Assert.Equal(t.Shape.Aggregate(1L, (a, b) => a * b), t.ElementCount));
        }
    }

    [SharedDataFact("weights/yolov5n-c3x-dwconv.pt")]
    public void Reads_the_c3x_dwconv_variant()
    {
        var ckpt = CheckpointReader.Read(TestData.Weights("yolov5n-c3x-dwconv.pt"));
        Assert.Equal("C3x", ckpt.Architecture.Layers[2].Module);
        Assert.Equal("DWConv", ckpt.Architecture.Layers[7].Module);
        Assert.Equal("DWConvTranspose2d", ckpt.Architecture.Layers[11].Module);
        var convT = ckpt.Module("model.11");
        Assert.Equal(128, convT.GetInt("groups"));
        Assert.True(convT.GetBool("transposed"));
        Assert.Equal(new[] { 128, 1, 4, 4 }, ckpt.Tensor("model.11.weight").Shape);
        Assert.Equal(new long[] { 1, 3 }, ckpt.Module("model.2.m.0.cv1.conv").GetInts("kernel_size"));
        Assert.Equal(new long[] { 0, 1 }, ckpt.Module("model.2.m.0.cv1.conv").GetInts("padding"));
    }

    [SharedDataFact("weights/yolov5n-face-1cls.pt", "weights/yolov5n-shopping-2cls.pt")]
    public void Custom_models_have_their_class_names()
    {
        Assert.Equal(new[] { "face" }, CheckpointReader.Read(TestData.Weights("yolov5n-face-1cls.pt")).Names);
        Assert.Equal(new[] { "bss", "ls" }, CheckpointReader.Read(TestData.Weights("yolov5n-shopping-2cls.pt")).Names);
    }

    [Fact]
    public void Takes_ema_when_it_is_set()
    {
        // Rewrite yolov5n's trailing "'ema': None" as "'ema': <the model object>" (BINGET 5, the memoised Model).
        using var temp = new TempFolder();
        var dir = temp.Path;
        var path = Path.Combine(dir, "with-ema.pt");
        using (var source = ZipFile.OpenRead(TestData.Yolov5n))
        using (var target = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                using var buffer = new MemoryStream();
                input.CopyTo(buffer);
                var data = buffer.ToArray();
                if (entry.FullName.EndsWith("data.pkl"))
                {
                    var key = "X\u0003\0\0\0ema"u8.ToArray();
                    int at = data.AsSpan().LastIndexOf(key) + key.Length;
                    int none = Array.IndexOf(data, (byte)'N', at);
                    Assert.InRange(none - at, 0, 5); // only a memo PUT in between
                    data = data[..none].Concat(new byte[] { (byte)'h', 5 }).Concat(data[(none + 1)..]).ToArray();
                }
                using var output = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                output.Write(data);
            }

        var ckpt = CheckpointReader.Read(path);
        Assert.Equal("ema", ckpt.SourceKey);
        Assert.Equal(80, ckpt.Names.Count);
    }
}
