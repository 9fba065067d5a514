using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Profiles;
using YoloCompress.Core.Quantization;
using YoloCompress.Tests.Support;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Tests.Quantization;

/// <summary>WeightBits 4: int4 conv weights as ONNX stores them (opset 21), checked against what ONNX Runtime reads.</summary>
public class WeightBitsTests
{
    [Fact]
    public void Int4_tensors_hold_the_values_OnnxRuntime_dequantizes()
    {
        // Every int4 value, an odd count (the last byte half used), three channels with their own scales.
        sbyte[] values = [-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 7];
        float[] scales = [0.5f, 2f, -1f];
        var graph = new GraphProto { Name = "int4" };
        graph.Initializer.Add(WeightQuantization.Int4("w", [3, 5], values));
        graph.Initializer.Add(OnnxTensors.Float("s", [3], scales));
        graph.Node.Add(Node("DequantizeLinear", "dq", ["w", "s"], ["w_float"], Int("axis", 0)));
        graph.Node.Add(Node("Add", "add", ["x", "w_float"], ["y"]));
        graph.Input.Add(TinyGraph.FloatValue("x", 3, 5));
        graph.Output.Add(TinyGraph.FloatValue("y", 3, 5));
        var model = new ModelProto { IrVersion = OpsetConversion.IrVersionFor(21), Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 21 });

        var (output, _) = OrtRunner.Run(model, new float[15], [3, 5]);

        Assert.Equal(values.Select((v, i) => v * scales[i / 5]).ToArray(), output);
    }

    [Fact]
    public void WeightBits_4_stores_the_int8_convs_in_int4_at_opset_21_and_the_model_runs()
    {
        var model = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n), 320));
        var images = CalibrationImages.Letterboxed(Directory.GetFiles(Path.Combine(TestData.Coco16, "images"), "*.jpg").Order(StringComparer.Ordinal).Take(2).ToArray(), 320).ToList();
        QuantizationResult Quantize(int bits) => ModelQuantizer.Quantize(model, new QuantizationOptions { WeightBits = bits, HeadConvs = HeadConvPrecision.Float },
            new CalibrationOptions(), images);

        var eight = Quantize(8);
        var four = Quantize(4);

        Assert.Equal(eight.Report.Weights.Select(w => w.Node), four.Report.Weights.Select(w => w.Node));
        Assert.All(four.Report.Weights, w => Assert.Equal("int4", w.Type));
        Assert.Equal(four.Report.Weights.Count, four.Model.Graph.Initializer.Count(t => t.DataType == (int)WeightQuantization.Int4Type));
        Assert.Equal(21, OpsetConversion.OpsetOf(four.Model));
        // int4 halves what the quantized weights take.
        long Bytes(QuantizationResult r) => Google.Protobuf.MessageExtensions.ToByteArray(r.Model).LongLength;
        Assert.True(Bytes(four) < 0.85 * Bytes(eight), $"{Bytes(four)} against {Bytes(eight)} bytes");
        var (output, _) = OrtRunner.Run(four.Model, images[0], 320);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(Google.Protobuf.MessageExtensions.ToByteArray(four.Model), Google.Protobuf.MessageExtensions.ToByteArray(Quantize(4).Model));
    }

    [Fact]
    public void WeightBits_takes_8_or_4_and_4_writes_opset_21_at_least()
    {
        var origin = Core.Diagnostics.DiagnosticOrigin.CommandLine("test");
        CompressionSettings Resolve(params string[] settings) =>
            ProfileResolver.Resolve("int8", null, settings.Select(s => ProfileResolver.ParseAssignment(s, origin))).Settings;

        Assert.Equal(17, Resolve("WeightBits=8").EmittedOpset);
        Assert.Equal(21, Resolve("WeightBits=4").EmittedOpset);
        Assert.Equal(23, Resolve("WeightBits=4", "Opset=23").EmittedOpset);
        Assert.Equal(17, Resolve("WeightBits=4", "Quantization=fp16").EmittedOpset);
        var e = Assert.Throws<Core.Diagnostics.YoloCompressException>(() => Resolve("WeightBits=3"));
        Assert.Contains("WeightBits", e.Message);
        Assert.Contains("must be 8 or 4", e.Message);
    }
}
