using YoloCompress.Core.Patterns;
using System.Text.RegularExpressions;
using Onnx;

namespace YoloCompress.Core.Quantization;

/// <summary>One KeepFloat entry: a node name (<c>model.24.m.0.conv</c>), a glob over names
/// (<c>model.24*</c>, <c>/model.2?/*</c>) or an op type (<c>op:Concat</c>).</summary>
public sealed class NodePattern
{
    private readonly Regex? _glob;
    private readonly string? _opType;
    private readonly string? _name;

    private NodePattern(string text, Regex? glob, string? opType, string? name) =>
        (Text, _glob, _opType, _name) = (text, glob, opType, name);

    public string Text { get; }

    /// <exception cref="ArgumentException">Empty entry; the message names the setting.</exception>
    public static NodePattern Parse(string text, string settingName = "KeepFloat")
    {
        var t = text?.Trim() ?? "";
        if (t.Length == 0)
            throw new ArgumentException($"Setting '{settingName}': an entry is empty; expected a node name, a glob (model.24*) or op:TYPE.");
        if (t.StartsWith("op:", StringComparison.OrdinalIgnoreCase))
        {
            var op = t[3..].Trim();
            if (op.Length == 0)
                throw new ArgumentException($"Setting '{settingName}': '{t}' names no op type; expected op:TYPE such as op:Concat.");
            return new NodePattern(t, null, op, null);
        }
        if (Glob.HasWildcards(t))
            return new NodePattern(t, Glob.Compile(t), null, null);
        return new NodePattern(t, null, null, t);
    }

    /// <summary>Whether the node matches: by op type, or by its name (or, for an unnamed node, its first output),
    /// or by the module path an exporter's name encodes (<see cref="Graph.ModulePath"/>).</summary>
    public bool Matches(NodeProto node)
    {
        if (_opType is not null) return string.Equals(node.OpType, _opType, StringComparison.Ordinal);
        var name = NodeName(node);
        if (_glob is not null ? _glob.IsMatch(name) : string.Equals(name, _name, StringComparison.Ordinal)) return true;
        // A reference export's /model.24/m.0/Conv answers to the checkpoint-style name model.24.m.0 too.
        var path = Graph.ModulePath.Of(name);
        return path is not null && (_glob is not null ? _glob.IsMatch(path) : string.Equals(path, _name, StringComparison.Ordinal));
    }

    public override string ToString() => Text;

    internal static string NodeName(NodeProto node) =>
        node.Name.Length > 0 ? node.Name : node.Output.FirstOrDefault() ?? "";
}
