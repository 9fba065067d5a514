using YoloCompress.Core.Pruning;

namespace YoloCompress.Core.Recovery;

/// <summary>The recover stage: wins back what pruning cost, on the pruned graph, before quantization.
/// Implementations: <see cref="CalibrationRecovery"/> (training-free); a training backend plugs in here.</summary>
public interface IRecovery
{
    /// <summary>The recovered model, and notes for the report (fallbacks). <paramref name="pruned"/> is not modified.</summary>
    RecoveryResult Recover(PruneResult pruned, RecoveryOptions options, CancellationToken cancellation = default);
}

/// <summary>A recovered model and what the stage had to say about it.</summary>
public sealed record RecoveryResult(Onnx.ModelProto Model, IReadOnlyList<string> Notes);
