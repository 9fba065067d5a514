using Onnx;
using YoloCompress.Core.Patterns;

namespace YoloCompress.Core.Quantization;

/// <summary>A node kept float and why (for the report and the .yolo.json metadata).</summary>
public sealed record FloatNodeRecord(string Node, string OpType, string Reason);

/// <summary>The nodes every rewriter (QDQ, float16, weight-only) leaves float whatever their op: the Detect
/// decode tail (<see cref="DecodeTail"/>, unless <see cref="QuantizationOptions.KeepDecodeTailFloat"/> is off)
/// and the KeepFloat patterns. Records which patterns matched, so that typos are reported.</summary>
internal sealed class KeepFloatRule
{
    private readonly IReadOnlyList<NodePattern> _patterns;
    private readonly HashSet<NodePattern> _matched = new();
    private readonly HashSet<NodeProto> _tail;

    public KeepFloatRule(GraphProto graph, QuantizationOptions options)
    {
        DecodeTail = Quantization.DecodeTail.Find(graph).ToHashSet();
        _tail = options.KeepDecodeTailFloat ? DecodeTail : [];
        _patterns = options.KeepFloat;
    }

    /// <summary>The decode tail, found structurally, whether or not it is kept float.</summary>
    public HashSet<NodeProto> DecodeTail { get; }

    /// <summary>Why the node must stay float, or null when the rewriter may decide.</summary>
    public string? Reason(NodeProto node)
    {
        if (_tail.Contains(node)) return "decode tail: no Conv downstream";
        if (_patterns.FirstOrDefault(p => p.Matches(node)) is not { } pattern) return null;
        _matched.Add(pattern);
        return $"KeepFloat '{pattern.Text}'";
    }

    /// <summary>KeepFloat entries that matched no node so far (likely typos).</summary>
    public IReadOnlyList<string> UnmatchedPatterns => _patterns.Where(p => !_matched.Contains(p)).Select(p => p.Text).ToArray();

    public static FloatNodeRecord Record(NodeProto node, string reason) => new(NodePattern.NodeName(node), node.OpType, reason);
}
