namespace YoloCompress.Core.Pruning;

/// <summary>Predicts a model's conv MACs from the fraction of channels each group keeps, without slicing:
/// a conv's work scales with the kept fraction of its inputs times that of its outputs (a depthwise conv's
/// with its outputs only).</summary>
internal sealed class CostPredictor
{
    private readonly List<(long Macs, int[] InputGroups, int[] OutputGroups, bool Depthwise)> _convs = new();

    public CostPredictor(DependencyGraph graph)
    {
        var macs = ModelCost.MacsByNode(graph.Model);
        foreach (var node in graph.Model.Graph.Node.Where(n => n.OpType is "Conv" or "ConvTranspose"))
        {
            var output = graph.Layout(node.Output[0]);
            var input = graph.Layout(node.Input[0]);
            bool depthwise = OnnxModel.OnnxNodes.GetInt(node, "group", 1) > 1;
            _convs.Add((macs[node.Name], Groups(graph, input), Groups(graph, output), depthwise));
            Macs += macs[node.Name];
        }
    }

    /// <summary>MACs with every channel kept.</summary>
    public long Macs { get; }

    /// <param name="keep">Kept fraction by group id; groups not listed keep everything.</param>
    public long Predict(IReadOnlyDictionary<int, double> keep)
    {
        double total = 0;
        foreach (var (macs, inputs, outputs, depthwise) in _convs)
        {
            double fout = Fraction(outputs, keep);
            total += depthwise ? macs * fout : macs * Fraction(inputs, keep) * fout;
        }
        return (long)Math.Round(total);
    }

    private static int[] Groups(DependencyGraph graph, ChannelRef[]? layout) =>
        layout is null ? [] : layout.Select(graph.GroupOf).ToArray();

    private static double Fraction(int[] groups, IReadOnlyDictionary<int, double> keep)
    {
        if (groups.Length == 0) return 1;
        double sum = 0;
        foreach (var g in groups) sum += keep.GetValueOrDefault(g, 1.0);
        return sum / groups.Length;
    }
}
