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
        var graph = new TinyGraph(size: size);
        graph.Graph.Initializer.Add(OnnxTensors.Float("fixed", [1, rows.Length, columns], rows.SelectMany(r => r).ToArray()));
        graph.Graph.Node.Add(OnnxNodes.Node("Identity", "out", ["fixed"], ["output0"]));
        graph.Output("output0", 1, rows.Length, columns);
        if (names is not null)
            graph.Model.MetadataProps.Add(new StringStringEntryProto { Key = "names", Value = names });
        return graph.Model.ToByteArray();
    }
}
