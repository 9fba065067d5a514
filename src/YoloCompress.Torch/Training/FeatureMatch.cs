using Onnx;
using static TorchSharp.torch;

namespace YoloCompress.Torch.Training;

/// <summary>An intermediate tensor the student learns to reproduce: the teacher's tensor of the same name, at the
/// channels the student kept (null: all of them). Pruning keeps node names and, per tensor, the original
/// positions of the kept channels, so a pruned layer can be compared with the unpruned one channel for channel:
/// a dense signal at every layer, where the Detect outputs alone give one signal at the end of the network.</summary>
public sealed record FeatureMatch(string Tensor, int[]? Channels)
{
    /// <summary>Every convolution's pre-activation output (after its BatchNormalization where it has one) except the
    /// Detect convs', whose outputs the output loss covers. <paramref name="keptPositions"/>: the pruner's map.</summary>
    public static IReadOnlyList<FeatureMatch> ForConvOutputs(ModelProto student, IReadOnlyDictionary<string, int[]> keptPositions)
    {
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(keptPositions);
        var head = DetectHead.Find(student).Outputs.ToHashSet(StringComparer.Ordinal);
        var readers = student.Graph.Node.SelectMany(n => n.Input.Select(i => (Input: i, Node: n))).ToLookup(p => p.Input, p => p.Node, StringComparer.Ordinal);
        var matches = new List<FeatureMatch>();
        foreach (var conv in student.Graph.Node.Where(n => n.OpType == "Conv" && !head.Contains(n.Output[0])))
        {
            var output = conv.Output[0];
            if (readers[output].ToList() is [{ OpType: "BatchNormalization" } bn]) output = bn.Output[0];
            matches.Add(new FeatureMatch(output, keptPositions.GetValueOrDefault(output) ?? keptPositions.GetValueOrDefault(conv.Output[0])));
        }
        return matches;
    }

    /// <summary>The teacher's tensor at the kept channels.</summary>
    internal Tensor Select(Tensor teacher) => Channels is null ? teacher : teacher.index_select(1, tensor(Channels.Select(c => (long)c).ToArray()));
}
