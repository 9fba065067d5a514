using Onnx;
using Xunit.Abstractions;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Quantization;
using YoloCompress.Tests.Support;
using static YoloCompress.Core.OnnxModel.OnnxNodes;

namespace YoloCompress.Tests.Quantization;

/// <summary>What ONNX Runtime runs for a model, read from its optimized graph; and the SiLU written as one
/// QuickGelu node.</summary>
public class RuntimeGraphReportTests(ITestOutputHelper output)
{
    private static readonly Lazy<ModelProto> Yolov5n640 = new(() => BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n), 640)));

    private static readonly string[] FourImages =
        Directory.GetFiles(Path.Combine(TestData.Coco16, "images"), "*.jpg").Order(StringComparer.Ordinal).Take(4).ToArray();

    /// <summary>Static int8 calibrated on the first four shipped coco images.</summary>
    private static QuantizationResult QuantizeOnFourImages(ModelProto model, QuantizationOptions options) =>
        ModelQuantizer.Quantize(model, options, new CalibrationOptions(), CalibrationImages.Letterboxed(FourImages, 640));

    [Fact]
    public void Of_SortsNodesAndFindsAFloatNodeBetweenIntegerKernels()
    {
        var graph = new GraphProto();
        graph.Node.Add(Node("QLinearConv", "conv0", ["x_q"], ["a_q"]));
        graph.Node.Add(Node("DequantizeLinear", "", ["a_q"], ["a"]));
        graph.Node.Add(Node("Sigmoid", "act", ["a"], ["s"]));
        graph.Node.Add(Node("QuantizeLinear", "", ["s"], ["s_q"]));
        graph.Node.Add(Node("Transpose", "t", ["s_q"], ["t_q"]));
        graph.Node.Add(Node("QLinearConv", "conv1", ["t_q"], ["b_q"]));
        graph.Node.Add(Node("DequantizeLinear", "", ["b_q"], ["b"]));
        graph.Node.Add(Node("Conv", "head", ["b"], ["y"])); // float after the last integer kernel: no island

        var report = RuntimeGraphReport.Of(graph);

        Assert.Equal(2, report.IntegerKernels["QLinearConv"]);
        Assert.Equal(new[] { "Conv", "Sigmoid" }, report.FloatNodes.Keys);
        Assert.Equal((1, 2), (report.QuantizeLinear, report.DequantizeLinear));
        Assert.Equal(new[] { "Transpose t: QuantizeLinear -> QLinearConv conv1" }, report.LayoutNodes);
        Assert.Equal(new[] { new FloatIsland("act", "Sigmoid") }, report.FloatIslands);
        Assert.Empty(report.StrayTransposes); // its producer is a Q: the border of the integer region
    }

    [Fact]
    public void Analyze_OnDefaultInt8Yolov5n_LeavesNoFloatIslandAndTransposesOnlyWhereTheFloatStemMeetsIt()
    {
        var model = Yolov5n640.Value;
        QuantizationResult Int8(QuantizationOptions options) => QuantizeOnFourImages(model, options);
        var int8 = Int8(new QuantizationOptions());

        var report = RuntimeGraphReport.Analyze(OnnxSerializer.Serialize(int8.Model));
        output.WriteLine(report.ToString());
        foreach (var node in report.LayoutNodes) output.WriteLine("  " + node);

        // Every conv the plan quantized became a QLinearConv; the float ones are those it chose.
        int floatConvs = int8.Report.FloatNodes.Count(f => f.OpType == "Conv");
        Assert.Equal(model.Graph.Node.Count(n => n.OpType == "Conv") - floatConvs, report.IntegerKernels["QLinearConv"]);
        Assert.Equal(floatConvs, report.FloatNodes["Conv"]);
        // No float node sits between a DQ of an integer kernel and a Q: the runtime fused every group the plan
        // made, and the plan made no float island of its own.
        Assert.Empty(report.FloatIslands);
        // Q/DQ left only where float and integer regions meet: the image's Q after the float stem, and the DQs
        // before the float Detect convs and the float Mul of the last SiLU.
        Assert.InRange(report.QuantizeLinear, 1, 3);
        Assert.InRange(report.DequantizeLinear, 1, 6);

        // Transposes left between integer kernels: only in model.2, whose first conv is the last float stem
        // conv, so the NHWC transformer meets a float branch inside that C3 block (measured: 3). Quantizing
        // that conv too (two float stem convs) leaves none.
        Assert.InRange(report.StrayTransposes.Count, 1, 3);
        Assert.All(report.StrayTransposes, t => Assert.Contains(" model.2.", t));
        var twoFloatStemConvs = RuntimeGraphReport.Analyze(OnnxSerializer.Serialize(Int8(new QuantizationOptions { FloatStemConvs = 2 }).Model));
        Assert.Empty(twoFloatStemConvs.StrayTransposes);
        Assert.Empty(twoFloatStemConvs.FloatIslands);
    }

    [Fact]
    public void HeadConvsInt8_RunsTheDetectConvsTheIntegerRegionFeedsAsIntegerMatMulsWithTheSameDetections()
    {
        var model = Yolov5n640.Value;
        QuantizationResult Int8(QuantizationOptions options) => QuantizeOnFourImages(model, options);
        var floatHead = Int8(new QuantizationOptions());
        var int8Head = Int8(new QuantizationOptions { HeadConvs = HeadConvPrecision.Int8 });

        var report = RuntimeGraphReport.Analyze(OnnxSerializer.Serialize(int8Head.Model));
        output.WriteLine(report.ToString());
        // Stride 8 and 16: their inputs are int8 already (the next conv reads them), so the head conv runs as one
        // integer kernel with a float output. Stride 32's input only the head reads: it stays float, saying why.
        Assert.Equal(2, report.IntegerKernels.GetValueOrDefault("MatMulIntegerToFloat"));
        Assert.Equal(new[] { "model.24.m.0", "model.24.m.1" }, int8Head.Report.Weights.Where(w => w.Axis == 1).Select(w => w.Node));
        Assert.Contains("no other integer node reads", Assert.Single(int8Head.Report.FloatNodes, f => f.Node == "model.24.m.2").Reason);
        Assert.Equal(report.FloatNodes["Conv"] + 2, RuntimeGraphReport.Analyze(OnnxSerializer.Serialize(floatHead.Model)).FloatNodes["Conv"]);
        Assert.Empty(report.FloatIslands);
        // Standard ONNX only: the fused kernel is ORT's business, the file holds DequantizeLinear -> MatMul.
        Assert.All(int8Head.Model.Graph.Node, n => Assert.Equal("", n.Domain));
        // The rounding reads calibration statistics: the same inputs still give the same bytes.
        Assert.Equal(OnnxSerializer.Serialize(int8Head.Model), OnnxSerializer.Serialize(Int8(new QuantizationOptions { HeadConvs = HeadConvPrecision.Int8 }).Model));

        // The same detections: on a real image, every confident row's boxes within a few pixels and scores within 0.03.
        var input = CalibrationImages.Letterboxed(FourImages.Take(1).ToArray(), 640).First();
        var (a, _) = OrtRunner.Run(floatHead.Model, input, 640);
        var (b, _) = OrtRunner.Run(int8Head.Model, input, 640);
        int confident = 0;
        for (int row = 0; row < a.Length / 85; row++)
        {
            if (a[row * 85 + 4] < 0.25f) continue;
            confident++;
            for (int k = 0; k < 4; k++) Assert.InRange(Math.Abs(a[row * 85 + k] - b[row * 85 + k]), 0, 4);
            Assert.InRange(Math.Abs(a[row * 85 + 4] - b[row * 85 + 4]), 0, 0.03);
        }
        Assert.True(confident > 10, $"only {confident} confident rows");
    }

    [Fact]
    public void HeadConvsInt8_OnTheReferenceExportsStaticGraph_StaysIntegerWhereOrtWouldFuseMatMulAndBiasIntoAFloatGemm()
    {
        var model = Core.Pipeline.ModelSource.Load(TestData.Reference("yolov5n-export-opset12.onnx")).Folded();
        var int8Head = QuantizeOnFourImages(model, new QuantizationOptions { HeadConvs = HeadConvPrecision.Int8 });

        var report = RuntimeGraphReport.Analyze(OnnxSerializer.Serialize(int8Head.Model));

        Assert.Equal(2, report.IntegerKernels.GetValueOrDefault("MatMulIntegerToFloat"));
        Assert.DoesNotContain("Gemm", report.FloatNodes.Keys);
        Assert.Empty(report.FloatIslands);
    }

    [Fact]
    public void SiluAsQuickGelu_FusesEverySiluAndComputesTheSameOutput()
    {
        var model = TinyModels.ResidualConcatMaxPool();
        int silus = model.Graph.Node.Count(n => n.OpType == "Sigmoid");

        var (rewritten, fused) = SiluAsQuickGelu.Rewrite(model);

        Assert.Equal(silus, fused);
        Assert.DoesNotContain(rewritten.Graph.Node, n => n.OpType is "Sigmoid");
        var gelu = Assert.Single(rewritten.Graph.Node, n => n.Name == "model.0.act");
        Assert.Equal(("QuickGelu", SiluAsQuickGelu.Domain, 1f), (gelu.OpType, gelu.Domain, GetFloat(gelu, "alpha", 0)));
        Assert.Contains(rewritten.OpsetImport, o => o.Domain == SiluAsQuickGelu.Domain);
        var input = OrtRunner.RandomImage(TinyModels.Size);
        var expected = OrtRunner.Run(model, input, TinyModels.Size).Data;
        var actual = OrtRunner.Run(rewritten, input, TinyModels.Size).Data;
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
    }
}
