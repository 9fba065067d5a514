using Google.Protobuf;
using Onnx;

namespace YoloCompress.Benchmarks;

/// <summary>Development aid: where the bytes of an ONNX file go.</summary>
internal static class Sizes
{
    public static int Run(string[] args)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(args[0]));
        var g = model.Graph;
        Console.WriteLine($"total {model.CalculateSize()} nodes {g.Node.Sum(n => n.CalculateSize())} initializers {g.Initializer.Sum(i => i.CalculateSize())} value_info {g.ValueInfo.Sum(v => v.CalculateSize())}");
        foreach (var grp in g.Initializer.GroupBy(i => (TensorProto.Types.DataType)i.DataType))
            Console.WriteLine($"  {grp.Key,-8} {grp.Count(),5} tensors {grp.Sum(i => i.CalculateSize()),9} bytes (raw {grp.Sum(i => i.RawData.Length)})");
        foreach (var i in g.Initializer.OrderByDescending(i => i.CalculateSize()).Take(int.Parse(args.ElementAtOrDefault(1) ?? "10")))
            Console.WriteLine($"    {i.Name,-40} {(TensorProto.Types.DataType)i.DataType,-8} [{string.Join(",", i.Dims)}] {i.CalculateSize()}");
        return 0;
    }
}
