using YoloCompress.Core.Patterns;

namespace YoloCompress.Core.Pruning;

/// <summary>How a node takes part in a group: which of its tensors or weights the group's channels index.</summary>
public enum MemberRole
{
    /// <summary>A Conv/ConvTranspose (groups 1) whose output channels are the group's: weight rows go.</summary>
    ConvOutput,
    /// <summary>A Conv/ConvTranspose (groups 1) reading the group's channels: weight input slices go, and
    /// recovery rebuilds the removed channels from the kept ones in its weights and bias.</summary>
    ConvInput,
    /// <summary>A depthwise Conv/ConvTranspose: its input and output channels are coupled.</summary>
    Depthwise,
    /// <summary>A BatchNormalization normalising the group's channels.</summary>
    BatchNorm,
    /// <summary>Any other node that carries or slices the group's channels (activation, Add, Concat, Split, pooling).</summary>
    Carrier,
}

/// <summary>One node's part in a group. <see cref="Positions"/>[i] is a channel position in
/// <see cref="Tensor"/> (the node's output for <see cref="MemberRole.ConvOutput"/>, its input otherwise)
/// holding the group's channel <see cref="Indices"/>[i].</summary>
public sealed record GroupMember(string Node, string OpType, MemberRole Role, string Tensor, int[] Positions, int[] Indices);

/// <summary>Channels that must be removed together (Torch-Pruning's Group): the union of channel spaces
/// coupled one to one by element-wise ops (a residual Add, SiLU's Mul) or depthwise convs. Removing channel
/// i removes it from every member.</summary>
public sealed class PruningGroup
{
    internal PruningGroup(int id, string name, int size, IReadOnlyList<GroupMember> members, IReadOnlyList<string> blockers)
    {
        Id = id;
        Name = name;
        Size = size;
        Members = members;
        Blockers = blockers;
    }

    /// <summary>Position of the group in <see cref="DependencyGraph.Groups"/>.</summary>
    public int Id { get; }

    /// <summary>The first node (graph order) that produces the group's channels, e.g. model.2.cv1.conv.</summary>
    public string Name { get; }

    /// <summary>Channels in the group (before pruning).</summary>
    public int Size { get; }

    public IReadOnlyList<GroupMember> Members { get; }

    /// <summary>Why the group cannot be pruned (an unknown consumer, a graph output, a Detect output conv...);
    /// empty when it can.</summary>
    public IReadOnlyList<string> Blockers { get; }

    public bool IsPrunable => Blockers.Count == 0;

    /// <summary>Names that overrides and protections match: every producing node and its module path
    /// (model.2.cv1.conv -> model.2.cv1).</summary>
    public IEnumerable<string> MatchNames()
    {
        foreach (var m in Members)
        {
            if (m.Role is not (MemberRole.ConvOutput or MemberRole.Depthwise or MemberRole.BatchNorm)) continue;
            yield return m.Node;
            var path = ModulePath.Of(m.Node) ?? m.Node; // an exporter's /model.2/cv1/conv/Conv is model.2.cv1.conv
            if (path != m.Node) yield return path;
            var dot = path.LastIndexOf('.');
            if (dot > 0) yield return path[..dot];
        }
    }

    /// <summary>True when the pattern matches any of the group's producer names or module paths.</summary>
    public bool Matches(NodePattern pattern) => MatchNames().Any(pattern.MatchesName);

    public override string ToString() => $"{Name} ({Size} channels{(IsPrunable ? "" : ", fixed")})";
}
