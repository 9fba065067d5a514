using YoloCompress.Core.Calibration;
using YoloCompress.Core.Patterns;
using Google.Protobuf;
using Onnx;
using YoloCompress.Core.Quantization;
using DataType = Onnx.TensorProto.Types.DataType;

namespace YoloCompress.Tests.Quantization;

public class Float16AndWeightOnlyTests
{
    [Fact]
    public void Float16_RunsOnCpuWithFloat32InputsAndOutputs()
    {
        var model = TinyModels.ResidualConcatMaxPool();
        var result = Float16Converter.Convert(model, new QuantizationOptions { Mode = QuantizationMode.Float16 });

        Assert.Equal((int)DataType.Float, result.Model.Graph.Input[0].Type.TensorType.ElemType);
        Assert.Equal((int)DataType.Float, result.Model.Graph.Output[0].Type.TensorType.ElemType);
        Assert.All(result.Model.Graph.Initializer.Where(t => t.Name.EndsWith(".weight_fp16")), t => Assert.Equal((int)DataType.Float16, t.DataType));
        Assert.DoesNotContain(result.Model.Graph.Initializer, t => t.DataType == (int)DataType.Float && t.Name.EndsWith(".weight"));
        Assert.Equal(6, result.Report.QuantizedNodes["Conv"]);
        // About half the bytes, and float16's 11 bits keep outputs within 0.5% of their range.
        static long Raw(ModelProto m) => m.Graph.Initializer.Sum(t => (long)t.RawData.Length);
        Assert.InRange(Raw(result.Model), 0.45 * Raw(model), 0.55 * Raw(model));
        foreach (var input in TinyModels.Inputs(2, seed: 11))
        {
            var expected = OrtRunner.Run(model, input).Data;
            Assert.InRange(TinyModels.MaxAbsDifference(expected, OrtRunner.Run(result.Model, input).Data), 0f, 0.005f * TinyModels.Range(expected));
        }
    }

    [Fact]
    public void Float16_KeepsTheDecodeTailAndKeepFloatNodesInFloat32()
    {
        var options = new QuantizationOptions { Mode = QuantizationMode.Float16, KeepFloat = new[] { NodePattern.Parse("model.0.act*") } };
        var result = Float16Converter.Convert(TinyModels.WithDecodeTail(), options);

        Assert.Equal(4, result.Report.FloatNodes.Count(f => f.Reason.StartsWith("decode tail")));
        Assert.Equal(2, result.Report.FloatNodes.Count(f => f.Reason.StartsWith("KeepFloat")));
        // Casts bridge float16 and float32 regions: in (image), around the kept SiLU, out (tail).
        Assert.Equal(4, result.Model.Graph.Node.Count(n => n.OpType == "Cast"));
        var input = TinyModels.Inputs(1, seed: 12)[0];
        var expected = OrtRunner.Run(TinyModels.WithDecodeTail(), input).Data;
        Assert.InRange(TinyModels.MaxAbsDifference(expected, OrtRunner.Run(result.Model, input).Data), 0f, 0.005f * TinyModels.Range(expected));
    }

    [Fact]
    public void WeightOnly_StoresInt8WeightsAndKeepsActivationsFloat()
    {
        var model = TinyModels.ResidualConcatMaxPool();
        var result = WeightOnlyQuantizer.Quantize(model, new QuantizationOptions { Mode = QuantizationMode.Int8WeightOnly });

        Assert.Equal(6, result.Report.Weights.Count);
        Assert.Empty(result.Report.Activations);
        Assert.All(result.Model.Graph.Node.Where(n => n.OpType == "DequantizeLinear"), n => Assert.EndsWith(".weight_quantized", n.Input[0]));
        Assert.DoesNotContain(result.Model.Graph.Node, n => n.OpType == "QuantizeLinear");
        var ops = OrtRunner.OptimizedOps(result.Model);
        Assert.False(ops.ContainsKey("QLinearConv"));
        foreach (var input in TinyModels.Inputs(2, seed: 13))
        {
            var expected = OrtRunner.Run(model, input).Data;
            Assert.InRange(TinyModels.RelativeRms(expected, OrtRunner.Run(result.Model, input).Data), 0, 0.02);
        }
    }

    [Fact]
    public void ModelQuantizer_DispatchesOnTheQuantizationSetting()
    {
        var model = TinyModels.ConvSiluConv();
        var options = new QuantizationOptions();
        var calibration = new CalibrationOptions();
        Assert.Equal("fp16", ModelQuantizer.Quantize(model, options with { Mode = QuantizationMode.Float16 }, calibration, null).Report.Mode);
        Assert.Equal("int8-weight-only", ModelQuantizer.Quantize(model, options with { Mode = QuantizationMode.Int8WeightOnly }, calibration, null).Report.Mode);
        var none = ModelQuantizer.Quantize(model, options with { Mode = QuantizationMode.None }, calibration, null);
        Assert.Equal(model.ToByteArray(), none.Model.ToByteArray());
        var int8 = ModelQuantizer.Quantize(model, options, calibration, TinyModels.Inputs(4));
        Assert.Equal(("int8", "percentile", 4), (int8.Report.Mode, int8.Report.Calibration, int8.Report.CalibrationImages));
        Assert.Contains("calibration images", Assert.Throws<ArgumentException>(() => ModelQuantizer.Quantize(model, options, calibration, null)).Message);
    }
}
