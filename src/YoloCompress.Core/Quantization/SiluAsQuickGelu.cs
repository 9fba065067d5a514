using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Quantization;

/// <summary>Rewrites every SiLU written as Sigmoid(x) -> Mul(x, sigmoid) into one com.microsoft.QuickGelu
/// node with alpha 1 (x * sigmoid(1 * x)), a contrib op that ships in ONNX Runtime's stock CPU package.
/// Why: between integer convs a SiLU in QDQ form is either QLinearSigmoid + QLinearMul (two 8-bit passes)
/// or, left float, a DequantizeLinear that ORT copies for each of its two readers, so its float
/// x * sigmoid(x) fusion never fires. As one node the SiLU has one DQ reader and runs ORT's fused float
/// kernel between a DQ and a Q. The QuickGelu takes the Mul's name and output, so KeepFloat patterns
/// and calibrated tensor names are unchanged; the sigmoid's own output disappears.</summary>
public static class SiluAsQuickGelu
{
    public const string Domain = "com.microsoft";

    /// <summary>A copy of <paramref name="model"/> with its SiLUs fused, and how many there were.</summary>
    public static (ModelProto Model, int Fused) Rewrite(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var copy = model.Clone();
        var graph = copy.Graph;
        var index = new GraphIndex(graph);
        var dropped = new HashSet<NodeProto>();
        var replaced = new Dictionary<NodeProto, NodeProto>();
        foreach (var mul in graph.Node)
        {
            if (mul.OpType != "Mul" || mul.Domain.Length > 0 || mul.Input.Count != 2) continue;
            for (int k = 0; k < 2; k++)
            {
                var x = mul.Input[1 - k];
                if (index.Producer(mul.Input[k]) is not { OpType: "Sigmoid", Domain: "" } sigmoid
                    || sigmoid.Input[0] != x || dropped.Contains(sigmoid)
                    || index.Consumers(sigmoid.Output[0]).Count != 1 || index.GraphOutputs.Contains(sigmoid.Output[0]))
                    continue;
                dropped.Add(sigmoid);
                var gelu = OnnxNodes.Node("QuickGelu", mul.Name, new[] { x }, new[] { mul.Output[0] }, OnnxNodes.Float("alpha", 1f));
                gelu.Domain = Domain;
                replaced[mul] = gelu;
                break;
            }
        }
        if (replaced.Count == 0) return (copy, 0);
        var nodes = graph.Node.Where(n => !dropped.Contains(n)).Select(n => replaced.GetValueOrDefault(n, n)).ToArray();
        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        var droppedOutputs = dropped.Select(s => s.Output[0]).ToHashSet(StringComparer.Ordinal);
        var keptInfo = graph.ValueInfo.Where(v => !droppedOutputs.Contains(v.Name)).ToArray();
        graph.ValueInfo.Clear();
        graph.ValueInfo.AddRange(keptInfo);
        if (!copy.OpsetImport.Any(o => o.Domain == Domain))
            copy.OpsetImport.Add(new OperatorSetIdProto { Domain = Domain, Version = 1 });
        return (copy, replaced.Count);
    }
}
