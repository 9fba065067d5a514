using Google.Protobuf;
using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Tests.Runtime;

/// <summary>Hand-made ONNX models for runtime tests: a YOLO-shaped model whose output is a fixed
/// tensor, so that post-processing can be checked against known rows.</summary>
internal static class TinyModels
{
    /// <summary>Input <c>images [1, 3, size, size]</c>, output <c>output0 [1, rows, columns]</c> = <paramref name="rows"/>.</summary>
    public static byte[] ConstantOutput(float[][] rows, int size, string? names)
    {
        int columns = rows[0].Length;
        var values = rows.SelectMany(r => r).ToArray();
        var graph = new GraphProto { Name = "tiny" };
        graph.Initializer.Add(OnnxTensors.Float("fixed", [1, rows.Length, columns], values));
        graph.Node.Add(OnnxNodes.Node("Identity", "out", ["fixed"], ["output0"]));
        graph.Input.Add(Tensor("images", 1, 3, size, size));
        graph.Output.Add(Tensor("output0", 1, rows.Length, columns));

        var model = new ModelProto { IrVersion = 8, Graph = graph, ProducerName = "YoloCompress.Tests" };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        if (names is not null)
            model.MetadataProps.Add(new StringStringEntryProto { Key = "names", Value = names });
        return model.ToByteArray();
    }

    private static ValueInfoProto Tensor(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
