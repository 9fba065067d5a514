using Google.Protobuf;

namespace YoloCompress.Tests.Consumers;

/// <summary>Reads a model file at the wire level, where a value left off is visible (the generated
/// classes parse a missing int as 0 and cannot tell). For every attribute of every node, in the main
/// graph and in subgraphs, it says which value fields were actually on the wire.</summary>
internal static class AttributeWire
{
    public sealed record Attribute(string Node, string OpType, string Name, int Type, IReadOnlySet<int> Fields, int ListLength);

    // onnx.proto field numbers.
    private const int ModelGraph = 7, GraphNode = 1, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttrName = 1, AttrType = 20, AttrGraph = 6, AttrGraphs = 11;
    private static readonly int[] ListFields = [7, 8, 9, 10, 11, 23];

    /// <summary>The field that holds the value of each AttributeType (FLOAT=1, INT, STRING, TENSOR, GRAPH,
    /// FLOATS, INTS, STRINGS, TENSORS, GRAPHS, SPARSE_TENSOR=11, SPARSE_TENSORS, TYPE_PROTO=13, TYPE_PROTOS).</summary>
    public static readonly IReadOnlyDictionary<int, int> ValueField = new Dictionary<int, int>
    {
        [1] = 2, [2] = 3, [3] = 4, [4] = 5, [5] = 6, [6] = 7, [7] = 8, [8] = 9, [9] = 10, [10] = 11,
        [11] = 22, [12] = 23, [13] = 14, [14] = 15,
    };

    public static List<Attribute> Read(byte[] model)
    {
        var found = new List<Attribute>();
        foreach (var graph in Fields(model, ModelGraph)) ReadGraph(graph, found);
        return found;
    }

    private static void ReadGraph(ByteString graph, List<Attribute> found)
    {
        foreach (var node in Fields(graph.ToByteArray(), GraphNode))
        {
            var bytes = node.ToByteArray();
            var name = Fields(bytes, NodeName).Select(b => b.ToStringUtf8()).FirstOrDefault() ?? "";
            var op = Fields(bytes, NodeOpType).Select(b => b.ToStringUtf8()).FirstOrDefault() ?? "";
            foreach (var attribute in Fields(bytes, NodeAttribute))
                found.Add(ReadAttribute(name, op, attribute.ToByteArray(), found));
        }
    }

    private static Attribute ReadAttribute(string node, string op, byte[] bytes, List<Attribute> found)
    {
        var fields = new HashSet<int>();
        string name = "";
        int type = 0, listLength = 0;
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            fields.Add(number);
            if (number == AttrName) { name = input.ReadString(); continue; }
            if (number == AttrType) { type = input.ReadEnum(); continue; }
            if (number is AttrGraph or AttrGraphs) { ReadGraph(input.ReadBytes(), found); listLength++; continue; }
            if (ListFields.Contains(number) && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited && number == 8)
            {
                // ints: packed (one length-delimited run of varints) or not.
                var run = new CodedInputStream(input.ReadBytes().ToByteArray());
                while (!run.IsAtEnd) { run.ReadInt64(); listLength++; }
                continue;
            }
            if (ListFields.Contains(number) && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited && number == 7)
            {
                listLength += input.ReadBytes().Length / 4;
                continue;
            }
            if (ListFields.Contains(number)) listLength++;
            input.SkipLastField();
        }
        return new Attribute(node, op, name, type, fields, listLength);
    }

    /// <summary>Every length-delimited field <paramref name="number"/> of a message, in order.</summary>
    private static IEnumerable<ByteString> Fields(byte[] message, int number)
    {
        var input = new CodedInputStream(message);
        var result = new List<ByteString>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                result.Add(input.ReadBytes());
            else
                input.SkipLastField();
        }
        return result;
    }
}
