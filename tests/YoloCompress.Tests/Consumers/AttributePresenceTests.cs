using Google.Protobuf;
using Onnx;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Consumers;

/// <summary>Every attribute of every node the tool writes carries its value on the wire, zero included:
/// OpenCV refuses an int attribute without one ("unsupported attribute format" at the first MaxPool's
/// ceil_mode), and a consumer that falls back to DequantizeLinear's default axis (1) would scale int8
/// weights by the wrong channel.</summary>
[Collection(ConsumerCollection.Name)]
public sealed class AttributePresenceTests(ConsumerOutputs outputs)
{
    public static TheoryData<string> Kinds => new(ConsumerOutputs.Kinds);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_attribute_of_every_output_carries_its_value(string kind)
    {
        var attributes = AttributeWire.Read(File.ReadAllBytes(outputs.Path(kind)));
        Assert.NotEmpty(attributes);
        Assert.Empty(Missing(attributes));
        // The zero-valued ones the issue found missing are there, with the value 0.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(outputs.Path(kind)));
        var ceilModes = model.Graph.Node.Where(n => n.OpType == "MaxPool").Select(n => OnnxNodes.Attribute(n, "ceil_mode")).ToList();
        Assert.NotEmpty(ceilModes);
        Assert.All(ceilModes, a => Assert.Equal(0, a!.I));
        Assert.Contains(attributes, a => a.OpType == "MaxPool" && a.Name == "ceil_mode" && a.Fields.Contains(AttributeProto.IFieldNumber));
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("int8-weight-only")]
    public void Per_channel_dequantize_writes_axis_zero(string kind)
    {
        var axes = AttributeWire.Read(File.ReadAllBytes(outputs.Path(kind))).Where(a => a.OpType == "DequantizeLinear" && a.Name == "axis").ToList();
        Assert.True(axes.Count > 40, $"{axes.Count} per-channel DequantizeLinear nodes");
        Assert.All(axes, a => Assert.Contains(AttributeProto.IFieldNumber, a.Fields));
    }

    [Fact]
    public void The_check_fails_on_the_generated_serializer_and_passes_the_reference_export()
    {
        // The proto3 classes drop ceil_mode=0: the walk must see that, or it checks nothing.
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(outputs.Path("float")));
        var missing = Missing(AttributeWire.Read(model.ToByteArray()));
        Assert.Contains(missing, a => a.OpType == "MaxPool" && a.Name == "ceil_mode");
        // The reference exporter (protobuf with presence) writes every value; so must the walk find.
        Assert.Empty(Missing(AttributeWire.Read(File.ReadAllBytes(TestData.Reference("yolov5n-export-opset12.onnx")))));
    }

    [Fact]
    public void Serializer_round_trips_and_differs_from_the_generated_one_only_by_the_zero_values()
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(outputs.Path("int8")));
        var bytes = OnnxSerializer.Serialize(model);
        Assert.Equal(model, ModelProto.Parser.ParseFrom(bytes));
        Assert.Equal(bytes, OnnxSerializer.Serialize(ModelProto.Parser.ParseFrom(bytes)));

        // Without zero-valued scalar attributes the bytes are exactly the generated serializer's.
        foreach (var node in model.Graph.Node)
            foreach (var a in node.Attribute.Where(a => a.Type == AttributeProto.Types.AttributeType.Int && a.I == 0).ToList())
                node.Attribute.Remove(a);
        Assert.Equal(model.ToByteArray(), OnnxSerializer.Serialize(model));
    }

    [Fact]
    public void Zero_float_and_empty_string_attributes_are_written_too()
    {
        var node = OnnxNodes.Node("LeakyRelu", "n", ["x"], ["y"], OnnxNodes.Float("alpha", 0f), OnnxNodes.String("note", ""), OnnxNodes.Int("k", 0));
        var model = new ModelProto { Graph = new GraphProto { Name = "g" } };
        model.Graph.Node.Add(node);
        var attributes = AttributeWire.Read(OnnxSerializer.Serialize(model));
        Assert.Equal(3, attributes.Count);
        Assert.Empty(Missing(attributes));
        Assert.Equal(3, Missing(AttributeWire.Read(model.ToByteArray())).Count);
    }

    /// <summary>Attributes whose value field is not on the wire (a list counts when it has no element).</summary>
    private static List<AttributeWire.Attribute> Missing(IEnumerable<AttributeWire.Attribute> attributes) =>
        attributes.Where(a => !AttributeWire.ValueField.TryGetValue(a.Type, out var field)
                              || !a.Fields.Contains(field) && a.ListLength == 0).ToList();
}
