using System.Text.RegularExpressions;
using Onnx;

namespace YoloCompress.Core.Patterns;

/// <summary>One entry of a pattern setting (KeepFloat, PruneProtect, PruneOverrides): a node name
/// (<c>model.24.m.0.conv</c>), a glob over names (<c>model.24*</c>, <c>/model.2?/*</c>, see <see cref="Glob"/>)
/// or, where the setting allows it, an op type (<c>op:Concat</c>).</summary>
public sealed class NodePattern
{
    private readonly Regex? _glob;
    private readonly string? _opType;
    private readonly string? _name;

    private NodePattern(string text, Regex? glob, string? opType, string? name) =>
        (Text, _glob, _opType, _name) = (text, glob, opType, name);

    /// <summary>The entry as written (trimmed).</summary>
    public string Text { get; }

    /// <summary>True for an <c>op:TYPE</c> entry.</summary>
    public bool IsOpType => _opType is not null;

    /// <exception cref="FormatException">An empty entry or an <c>op:</c> without a type; the message says which.</exception>
    public static NodePattern Parse(string text)
    {
        var t = text?.Trim() ?? "";
        if (t.Length == 0)
            throw new FormatException("an entry is empty; expected a node name, a glob (model.24*) or op:TYPE");
        if (t.StartsWith("op:", StringComparison.OrdinalIgnoreCase))
        {
            var op = t[3..].Trim();
            if (op.Length == 0)
                throw new FormatException($"'{t}' names no op type; expected op:TYPE such as op:Concat");
            return new NodePattern(t, null, op, null);
        }
        if (Glob.HasWildcards(t))
            return new NodePattern(t, Glob.Compile(t), null, null);
        return new NodePattern(t, null, null, t);
    }

    /// <summary>Whether the node matches: by op type, or by its name (or, for an unnamed node, its first output).</summary>
    public bool Matches(NodeProto node) =>
        _opType is not null ? string.Equals(node.OpType, _opType, StringComparison.Ordinal) : MatchesName(NodeName(node));

    /// <summary>Whether a name matches, or the module path a reference export's name encodes (<see cref="ModulePath"/>:
    /// <c>/model.24/m.0/Conv</c> answers to <c>model.24.m.0</c> too); an op-type entry matches no name.</summary>
    public bool MatchesName(string name) =>
        _opType is null && (Literal(name) || ModulePath.Of(name) is { } path && Literal(path));

    private bool Literal(string name) => _glob is not null ? _glob.IsMatch(name) : string.Equals(name, _name, StringComparison.Ordinal);

    public override string ToString() => Text;

    /// <summary>The name a node is matched and reported by: its name, or for an unnamed node its first output.</summary>
    public static string NodeName(NodeProto node) =>
        node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? "";
}
