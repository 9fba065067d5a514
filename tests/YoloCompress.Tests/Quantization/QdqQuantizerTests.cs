using YoloCompress.Core.Patterns;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Quantization;

namespace YoloCompress.Tests.Quantization;

public class QdqQuantizerTests
{
    private static readonly CalibrationOptions MinMax = new() { Method = CalibrationMethod.MinMax };

    /// <summary>Everything the registry knows quantized, so that the tiny graphs exercise every integer
    /// path (the defaults keep the first conv and unconsumed outputs float; see the Defaults tests).</summary>
    private static readonly QuantizationOptions AllInteger = new() { FloatStemConvs = 0, QuantizeOutputsReadByFloatOnly = true };

    private static QuantizationResult Quantize(ModelProto model, QuantizationOptions? options = null, CalibrationOptions? calibration = null) =>
        QdqQuantizer.Quantize(model, options ?? AllInteger, TinyModels.Inputs(8), calibration ?? MinMax);

    [Fact]
    public void ConvSiluConv_RunsAsIntegerKernelsInOnnxRuntime()
    {
        var result = Quantize(TinyModels.ConvSiluConv());

        var ops = OrtRunner.OptimizedOps(result.Model);
        Assert.Equal(2, ops.GetValueOrDefault("QLinearConv"));
        Assert.Equal(1, ops.GetValueOrDefault("QLinearSigmoid"));
        Assert.Equal(1, ops.GetValueOrDefault("QLinearMul"));
        Assert.False(ops.ContainsKey("Conv"), "a float Conv is left: " + string.Join(", ", ops));
        Assert.False(ops.ContainsKey("Sigmoid"));
        // One Q for the image, one DQ for the output; nothing in between.
        Assert.Equal(1, ops.GetValueOrDefault("QuantizeLinear"));
        Assert.Equal(1, ops.GetValueOrDefault("DequantizeLinear"));
    }

    [Fact]
    public void ConvSiluConv_QuantizedOutputsTrackFloatOutputs()
    {
        var model = TinyModels.ConvSiluConv();
        var result = Quantize(model);

        foreach (var input in TinyModels.Inputs(3, seed: 99))
        {
            var expected = OrtRunner.Run(model, input).Data;
            var actual = OrtRunner.RunQuantized(result.Model, input).Data;
            // Three 8-bit requantizations in a row: within 3% of the output's range everywhere.
            Assert.InRange(TinyModels.MaxAbsDifference(expected, actual), 0f, 0.03f * TinyModels.Range(expected));
        }
    }

    [Fact]
    public void Weights_AreInt8PerOutputChannelWithScaleMaxAbsOver127()
    {
        var model = TinyModels.ConvSiluConv();
        var result = Quantize(model);
        var weight = OnnxTensors.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "model.0.conv.weight"));
        var graph = new GraphIndex(result.Model.Graph);

        var q = graph.Initializer("model.0.conv.weight_quantized")!;
        var scales = OnnxTensors.ToFloatArray(graph.Initializer("model.0.conv.weight_scale")!);

        Assert.Equal((int)TensorProto.Types.DataType.Int8, q.DataType);
        Assert.Equal(new long[] { 8, 3, 3, 3 }, q.Dims);
        Assert.Equal(8, scales.Length);
        var values = MemoryMarshal.Cast<byte, sbyte>(q.RawData.Span).ToArray();
        for (int c = 0; c < 8; c++)
        {
            var channel = weight.AsSpan(c * 27, 27).ToArray();
            float maxAbs = channel.Max(Math.Abs);
            Assert.Equal(maxAbs / 127f, scales[c], 6);
            Assert.Equal(127, values.Skip(c * 27).Take(27).Max(v => Math.Abs((int)v)));
            for (int k = 0; k < 27; k++) Assert.InRange(Math.Abs(values[c * 27 + k] * scales[c] - channel[k]), 0f, scales[c] / 2 + 1e-7f);
        }
        // The seeded weights give each channel a different magnitude, hence a different scale.
        Assert.Equal(8, scales.Distinct().Count());
        var dq = result.Model.Graph.Node.Single(n => n.Input.Count > 0 && n.Input[0] == "model.0.conv.weight_quantized");
        Assert.Equal(0, OnnxNodes.GetInt(dq, "axis", -1));
        Assert.Equal(2, dq.Input.Count); // no zero-point input: ONNX's default 0 is the symmetric zero point
        var record = result.Report.Weights.Single(w => w.Weight == "model.0.conv.weight");
        Assert.Equal((scales.Min(), scales.Max(), 8), (record.ScaleMin, record.ScaleMax, record.Channels));
    }

    [Fact]
    public void Bias_IsInt32WithScaleInputScaleTimesWeightScale()
    {
        var model = TinyModels.ConvSiluConv();
        var result = Quantize(model);
        var graph = new GraphIndex(result.Model.Graph);
        var bias = OnnxTensors.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "model.1.conv.bias"));

        // model.1.conv reads the SiLU output model.0.act.
        float inputScale = OnnxTensors.ToFloatArray(graph.Initializer("model.0.act_scale")!)[0];
        var weightScales = OnnxTensors.ToFloatArray(graph.Initializer("model.1.conv.weight_scale")!);
        var q = graph.Initializer("model.1.conv.bias_quantized")!;
        var biasScales = OnnxTensors.ToFloatArray(graph.Initializer("model.1.conv.bias_scale")!);
        Assert.Equal((int)TensorProto.Types.DataType.Int32, q.DataType);
        var values = MemoryMarshal.Cast<byte, int>(q.RawData.Span).ToArray();
        for (int c = 0; c < bias.Length; c++)
        {
            Assert.Equal(inputScale * weightScales[c], biasScales[c]);
            Assert.Equal((int)Math.Round(bias[c] / (double)(inputScale * weightScales[c]), MidpointRounding.ToEven), values[c]);
        }
    }

    [Fact]
    public void ResidualConcatMaxPool_FusesAddConcatAndKeepsMaxPoolInEightBits()
    {
        var model = TinyModels.ResidualConcatMaxPool();
        var result = Quantize(model);

        var ops = OrtRunner.OptimizedOps(result.Model);
        Assert.Equal(1, ops.GetValueOrDefault("QLinearAdd"));
        Assert.Equal(2, ops.GetValueOrDefault("QLinearConcat"));
        // ORT runs the pooling on the uint8 data (in NHWC, like the QLinearConvs around it).
        Assert.Equal(2, ops.GetValueOrDefault("NhwcMaxPool") + ops.GetValueOrDefault("MaxPool"));
        Assert.False(ops.ContainsKey("Conv"));
        Assert.Equal(2, ops.GetValueOrDefault("Transpose")); // NCHW <-> NHWC at the two ends only
        Assert.Equal(1, ops.GetValueOrDefault("DequantizeLinear")); // the output only
        // MaxPool outputs reuse the parameters of what they pool.
        var pooled = result.Report.Activations.Single(a => a.Tensor == "model.2.m_1");
        Assert.Equal("model.2.cv1.act", pooled.ParametersFrom);
        var source = result.Report.Activations.Single(a => a.Tensor == "model.2.cv1.act");
        Assert.Equal((source.Scale, source.ZeroPoint), (pooled.Scale, pooled.ZeroPoint));

        foreach (var input in TinyModels.Inputs(2, seed: 5))
        {
            var expected = OrtRunner.Run(model, input).Data;
            var actual = OrtRunner.RunQuantized(result.Model, input).Data;
            // Seven convs and twenty requantizations of random-noise features: about 5% RMS.
            Assert.InRange(TinyModels.RelativeRms(expected, actual), 0, 0.08);
            Assert.InRange(TinyModels.MaxAbsDifference(expected, actual), 0f, 0.06f * TinyModels.Range(expected));
            // The fused integer kernels compute what the QDQ graph says, up to rounding (where they cannot saturate).
            var fused = OrtRunner.Run(result.Model, input).Data;
            var simulated = OrtRunner.Run(result.Model, input, level: GraphOptimizationLevel.ORT_DISABLE_ALL).Data;
            if (!OrtRunner.IntegerKernelsSaturate)
                Assert.InRange(TinyModels.RelativeRms(simulated, fused), 0, 0.01);
        }
    }

    [Fact]
    public void SameInputs_GiveByteIdenticalModels()
    {
        var model = TinyModels.ResidualConcatMaxPool();
        var mse = new CalibrationOptions { Method = CalibrationMethod.Mse };
        var a = Quantize(model, calibration: mse).Model.ToByteArray();
        var b = Quantize(model.Clone(), calibration: mse).Model.ToByteArray();
        Assert.Equal(a, b);
    }

    [Fact]
    public void DecodeTail_StaysFloatAndIsFoundWithoutNames()
    {
        var model = TinyModels.WithDecodeTail();
        var tail = DecodeTail.Find(model.Graph).Select(n => n.OpType).ToArray();
        Assert.Equal(new[] { "Reshape", "Sigmoid", "Mul", "Add" }, tail);

        // Rename every node: the tail is still found.
        foreach (var n in model.Graph.Node) n.Name = "/x/" + n.OpType + n.GetHashCode();
        var result = Quantize(model, AllInteger with { QuantizeOutputsReadByFloatOnly = false });
        Assert.Equal(4, result.Report.FloatNodes.Count(f => f.Reason.StartsWith("decode tail")));
        // The head conv (read only by the tail) stays float too, its weights stored as float16.
        var head = Assert.Single(result.Report.FloatNodes, f => f.Reason.StartsWith("head conv"));
        Assert.Equal("Conv", head.OpType);
        Assert.Contains(result.Model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float16);
        var ops = OrtRunner.OptimizedOps(result.Model);
        Assert.Equal(1, ops.GetValueOrDefault("QLinearConv"));
        Assert.Equal(1, ops.GetValueOrDefault("Sigmoid")); // the tail's, in float

        var input = TinyModels.Inputs(1, seed: 3)[0];
        var expected = OrtRunner.Run(TinyModels.WithDecodeTail(), input).Data;
        var actual = OrtRunner.RunQuantized(result.Model, input).Data;
        Assert.InRange(TinyModels.MaxAbsDifference(expected, actual), 0f, 0.03f * TinyModels.Range(expected));
    }

    [Theory]
    [InlineData("model.0.act*")]
    [InlineData("op:Sigmoid", "op:Mul")]
    [InlineData("model.0.act.sigmoid", "model.0.act")]
    public void KeepFloat_ARunOfElementwiseOps_ComputesInFloat(params string[] patterns)
    {
        var options = AllInteger with { KeepFloat = patterns.Select(p => NodePattern.Parse(p)).ToArray() };
        var result = Quantize(TinyModels.ConvSiluConv(), options);

        Assert.Equal(new[] { "Sigmoid", "Mul" }, result.Report.FloatNodes.Where(f => f.Reason.StartsWith("KeepFloat")).Select(f => f.OpType));
        // The sigmoid output, read only by the float Mul, is no longer quantized.
        Assert.DoesNotContain(result.Report.Activations, a => a.Tensor == "model.0.act.sigmoid");
        var ops = OrtRunner.OptimizedOps(result.Model);
        Assert.Equal((1, 1, 0, 0), (ops.GetValueOrDefault("Sigmoid"), ops.GetValueOrDefault("Mul"),
            ops.GetValueOrDefault("QLinearSigmoid"), ops.GetValueOrDefault("QLinearMul")));
        Assert.Equal(2, ops.GetValueOrDefault("QLinearConv"));
        AssertClose(result.Model, 0.03f);
    }

    [Fact]
    public void KeepFloat_ByName_KeepsAConvFloatAndReportsUnmatchedEntries()
    {
        var options = AllInteger with { KeepFloat = new[] { NodePattern.Parse("model.1.conv"), NodePattern.Parse("model.9*") } };
        var result = Quantize(TinyModels.ConvSiluConv(), options);

        Assert.Equal(new FloatNodeRecord("model.1.conv", "Conv", "KeepFloat 'model.1.conv'"), Assert.Single(result.Report.FloatNodes));
        Assert.Contains(result.Model.Graph.Initializer, t => t.Name == "model.1.conv.weight_fp16" && t.DataType == (int)TensorProto.Types.DataType.Float16);
        Assert.Equal(new[] { "model.9*" }, result.Report.UnmatchedKeepFloat);
        Assert.DoesNotContain(result.Report.Weights, w => w.Node == "model.1.conv");
        var ops = OrtRunner.OptimizedOps(result.Model);
        Assert.Equal((1, 1), (ops.GetValueOrDefault("QLinearConv"), ops.GetValueOrDefault("Conv") + ops.GetValueOrDefault("FusedConv")));
        AssertClose(result.Model, 0.03f);
    }

    private static void AssertClose(ModelProto quantized, float fractionOfRange)
    {
        var input = TinyModels.Inputs(1, seed: 4)[0];
        var expected = OrtRunner.Run(TinyModels.ConvSiluConv(), input).Data;
        Assert.InRange(TinyModels.MaxAbsDifference(expected, OrtRunner.RunQuantized(quantized, input).Data), 0f, fractionOfRange * TinyModels.Range(expected));
    }

    [Fact]
    public void Int8Activations_AreSymmetricWithZeroPointZero()
    {
        var options = AllInteger with { ActivationType = ActivationType.Int8 };
        var result = Quantize(TinyModels.ConvSiluConv(), options, MinMax with { Symmetric = true });

        Assert.All(result.Report.Activations, a =>
        {
            Assert.Equal(0, a.ZeroPoint);
            Assert.Equal("int8", a.Type);
            Assert.Equal(Math.Max(Math.Abs(a.Min), Math.Abs(a.Max)) / 127f, a.Scale, 6);
        });
        var input = TinyModels.Inputs(1, seed: 4)[0];
        var expected = OrtRunner.Run(TinyModels.ConvSiluConv(), input).Data;
        Assert.InRange(TinyModels.MaxAbsDifference(expected, OrtRunner.Run(result.Model, input).Data), 0f, 0.04f * TinyModels.Range(expected));
    }

    [Fact]
    public void Report_RecordsRangeScaleAndZeroPointOfEveryActivation()
    {
        var result = Quantize(TinyModels.ConvSiluConv());

        var tensors = result.Report.Activations.Select(a => a.Tensor).ToArray();
        Assert.Equal(new[] { "images", "model.0.conv", "model.0.act.sigmoid", "model.0.act", "output0" }, tensors);
        var image = result.Report.Activations[0];
        Assert.Equal(0f, image.Min);
        Assert.Equal(1f, image.Max);
        Assert.Equal(1f / 255f, image.Scale, 7);
        Assert.Equal(0, image.ZeroPoint);
        Assert.All(result.Report.Activations, a =>
        {
            Assert.True(a.Min <= 0 && a.Max >= 0);
            Assert.Equal((a.Max - a.Min) / 255f, a.Scale, 5);
        });
        Assert.Equal(new Dictionary<string, int> { ["Conv"] = 2, ["Mul"] = 1, ["Sigmoid"] = 1 }, result.Report.QuantizedNodes);
        Assert.Equal("minmax", result.Report.Calibration);
        Assert.Equal(8, result.Report.CalibrationImages);
    }

    [Fact]
    public void Defaults_KeepTheStemFloatAndOutputsNothingIntegerReadsFloat()
    {
        var model = TinyModels.ResidualConcatMaxPool();
        var result = Quantize(model, new QuantizationOptions());

        // The first three convs (graph order) stay float, and so do their SiLUs, whose inputs are all float.
        var floats = result.Report.FloatNodes;
        Assert.Equal(new[] { "model.0.conv", "model.1.cv1.conv", "model.1.m.0.conv" },
            floats.Where(f => f.Reason.StartsWith("stem conv")).Select(f => f.Node));
        Assert.Equal(7, floats.Count(f => f.Reason.StartsWith("all its inputs are float"))); // 3 SiLUs (6 nodes), the Add
        // Neither the image (no integer node reads it) nor the graph output is quantized.
        Assert.DoesNotContain(result.Report.Activations, a => a.Tensor is "images" or "output0");
        var ops = OrtRunner.OptimizedOps(result.Model);
        Assert.Equal(2, ops.GetValueOrDefault("QLinearConv")); // model.1.cv2, model.2.cv1; model.3 outputs float
        Assert.Equal(3, ops.GetValueOrDefault("QuickGelu"));   // the three float SiLUs, fused by ORT
        foreach (var input in TinyModels.Inputs(2, seed: 5))
        {
            var expected = OrtRunner.Run(model, input).Data;
            Assert.InRange(TinyModels.RelativeRms(expected, OrtRunner.Run(result.Model, input).Data), 0, 0.05);
        }
    }

    [Fact]
    public void NothingToQuantize_NeedsNoCalibrationRun()
    {
        // With the default stem of three convs, this two-conv graph stays float entirely.
        var result = Quantize(TinyModels.ConvSiluConv(), new QuantizationOptions());
        Assert.Empty(result.Report.Activations);
        Assert.Equal(8, result.Report.CalibrationImages);
        AssertClose(result.Model, 0.002f);
    }

}
