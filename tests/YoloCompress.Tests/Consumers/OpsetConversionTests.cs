using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Core.Pipeline;
using YoloCompress.Core.Profiles;
using YoloCompress.Tests.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Consumers;

/// <summary>The Opset setting: each output moved to each opset from 12 to the newest ONNX Runtime loads
/// runs in ONNX Runtime with the output of the default model, its operators in the target's form; and a
/// model that needs a newer opset is refused with a message naming the setting.</summary>
[Collection(ConsumerCollection.Name)]
public sealed class OpsetConversionTests(ConsumerOutputs outputs)
{
    public static TheoryData<string, int> Conversions()
    {
        var data = new TheoryData<string, int>();
        for (int opset = OpsetConversion.Minimum; opset <= OpsetConversion.Maximum; opset++) data.Add("float", opset);
        foreach (var opset in new[] { 12, 13, 21, OpsetConversion.Maximum }) data.Add("fp16", opset);
        foreach (var opset in new[] { 13, 14, 19, 21, OpsetConversion.Maximum })
        {
            data.Add("int8", opset);
            data.Add("int8-weight-only", opset);
        }
        data.Add("pruned", 12);
        return data;
    }

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Converted_output_runs_in_onnx_runtime_with_the_same_output(string kind, int opset)
    {
        var model = Load(kind);
        var converted = OpsetConversion.Convert(model, opset);
        Assert.Equal(opset, OpsetConversion.OpsetOf(converted));
        Assert.Equal(OpsetConversion.IrVersionFor(opset), converted.IrVersion);
        Assert.Equal(OpsetConversion.DefaultOpset, OpsetConversion.OpsetOf(model)); // the source is left alone

        var input = OrtRunner.RandomImage(640, seed: 3);
        var expected = OrtRunner.Run(model, input, 640).Data;
        var actual = OrtRunner.Run(ModelProto.Parser.ParseFrom(OnnxSerializer.Serialize(converted)), input, 640).Data;
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst == 0, $"{kind} at opset {opset}: largest difference {worst}");
    }

    [Fact]
    public void Opset_12_has_the_opset_12_forms_of_split_and_resize()
    {
        var converted = OpsetConversion.Convert(Load("float"), 12);
        Assert.Equal(7, converted.IrVersion);
        var initializers = converted.Graph.Initializer.ToDictionary(t => t.Name);
        foreach (var split in converted.Graph.Node.Where(n => n.OpType == "Split"))
        {
            Assert.Single(split.Input);
            Assert.Equal(3, OnnxNodes.GetInts(split, "split", []).Length);
        }
        foreach (var resize in converted.Graph.Node.Where(n => n.OpType == "Resize"))
        {
            Assert.Equal(3, resize.Input.Count);
            Assert.Equal(0, OnnxTensors.ElementCount(initializers[resize.Input[1]])); // roi: required, empty
        }
        // The split sizes, now attributes, leave no tensor behind.
        Assert.DoesNotContain(converted.Graph.Initializer, t => t.Name.EndsWith(".split.sizes", StringComparison.Ordinal));
    }

    [Fact]
    public void The_reference_exporters_opset_12_model_converts_up_with_the_same_output()
    {
        var reference = ModelProto.Parser.ParseFrom(File.ReadAllBytes(TestData.Reference("yolov5n-export-opset12.onnx")));
        var converted = OpsetConversion.Convert(reference, 17);
        Assert.All(converted.Graph.Node.Where(n => n.OpType == "Split"), n => Assert.Equal(2, n.Input.Count));
        var input = OrtRunner.RandomImage(640, seed: 4);
        Assert.Equal(OrtRunner.Run(reference, input, 640).Data, OrtRunner.Run(converted, input, 640).Data);
    }

    [Fact]
    public void Int8_below_opset_13_is_refused_naming_the_setting_and_the_node()
    {
        var e = Assert.Throws<YoloCompressException>(() => OpsetConversion.Convert(Load("int8"), 12));
        Assert.Equal("YC0008", e.Code);
        Assert.Contains("Setting 'Opset' is 12", e.Message);
        Assert.Contains("DequantizeLinear", e.Message);
        Assert.Contains("opset 13", e.Message);

        // The pipeline refuses before calibrating.
        var request = new CompressionRequest(TestData.Yolov5n, CalibrationImages.Select(TestData.Samples("coco16/images"), 2), null,
            new CompressionSettings { Opset = 12 }, "int8", Path.Combine(outputs.Folder, "refused"), "yolov5n");
        var refused = Assert.Throws<YoloCompressException>(() => CompressionPipeline.Run(request));
        Assert.Equal("YC0008", refused.Code);
        Assert.Contains("Quantization=int8", refused.Message);
        Assert.False(Directory.Exists(request.OutputDirectory));
    }

    [Theory]
    [InlineData("11")]
    [InlineData("27")]
    [InlineData("seventeen")]
    public void The_setting_accepts_only_the_supported_range(string value)
    {
        var definition = SettingDefinitions.Find("opset")!;
        var e = Assert.ThrowsAny<Exception>(() => definition.Apply(new CompressionSettings(), value));
        Assert.Contains(value == "seventeen" ? "whole number" : "between 12 and 26", e.Message);
        Assert.Equal(12, definition.Apply(new CompressionSettings(), "12").Opset);
        Assert.Equal(17, new CompressionSettings().Opset);
    }

    [Fact]
    public void Maximum_is_the_newest_opset_onnx_runtime_loads()
    {
        // If ONNX Runtime is upgraded and loads a newer opset, this fails: raise OpsetConversion.Maximum
        // (after checking ONNX's changelog for the operators OpsetRewriter lists).
        var model = Load("float");
        Assert.Null(Record.Exception(() => Session(OpsetConversion.Convert(model, OpsetConversion.Maximum)).Dispose()));
        var beyond = model.Clone();
        beyond.OpsetImport[0].Version = OpsetConversion.Maximum + 1;
        Assert.Throws<OnnxRuntimeException>(() => Session(beyond).Dispose());
    }

    [Fact]
    public void Export_writes_the_opset_asked_for_and_refuses_one_out_of_range()
    {
        var path = Path.Combine(outputs.Folder, "export12.onnx");
        var ok = CliProcess.Run("export", TestData.Yolov5n, "-o", path, "--opset", "12");
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        var written = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        Assert.Equal(12, OpsetConversion.OpsetOf(written));
        Assert.DoesNotContain(AttributeWire.Read(File.ReadAllBytes(path)), a => a.Name == "ceil_mode" && !a.Fields.Contains(AttributeProto.IFieldNumber));
        Assert.Contains(AttributeWire.Read(File.ReadAllBytes(path)), a => a.Name == "ceil_mode");

        var bad = CliProcess.Run("export", TestData.Yolov5n, "-o", Path.Combine(outputs.Folder, "export11.onnx"), "--opset", "11");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("Setting 'Opset' must be 12 to 26", bad.StdErr);
    }

    private ModelProto Load(string kind) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(outputs.Path(kind)));

    private static InferenceSession Session(ModelProto model) => new(OnnxSerializer.Serialize(model));
}
