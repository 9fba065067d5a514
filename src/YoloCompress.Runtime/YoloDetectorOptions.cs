using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Runtime;

/// <summary>How <see cref="YoloDetector"/> sets up its ONNX Runtime session: the engine, threads, graph optimization,
/// and a hook for anything else. <c>default</c> is the CPU, ONNX Runtime's thread choice, every graph optimization.</summary>
public readonly record struct YoloDetectorOptions
{
    /// <summary>Threads ONNX Runtime uses inside an operator; 0 lets it choose (one a physical core). With several
    /// threads calling Detect at once, 1 a caller usually gives the most frames per second.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>The engine; <see cref="ExecutionProvider.Cpu"/> by default. Any other needs its native package in
    /// place of <c>Microsoft.ML.OnnxRuntime</c>; without it the constructor throws
    /// <see cref="ExecutionProviderUnavailableException"/> naming the package. ONNX Runtime runs on the CPU what the
    /// provider does not support.</summary>
    public ExecutionProvider Provider { get; init; }

    /// <summary>The device the provider runs on (CUDA, TensorRT, DirectML: the adapter index). Default 0.</summary>
    public int DeviceId { get; init; }

    /// <summary>The OpenVINO device (<c>CPU</c>, <c>GPU</c>, <c>NPU</c>, <c>AUTO:GPU,CPU</c>...); empty: OpenVINO's default.</summary>
    public string? OpenVinoDevice { get; init; }

    /// <summary>Graph optimization level; null (the default) is <see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>.</summary>
    public GraphOptimizationLevel? GraphOptimization { get; init; }

    /// <summary>Images a batched run takes at most, for a model whose batch dimension is dynamic (larger lists are
    /// run in chunks of this size). 0 (the default) is 8; 1 runs every image on its own.</summary>
    public int MaxBatchSize { get; init; }

    /// <summary>Called on the session options after the settings above, before the session is created: for what
    /// they do not cover (another provider, provider options, profiling, memory arenas...).</summary>
    public Action<SessionOptions>? ConfigureSession { get; init; }

    internal int BatchLimit => MaxBatchSize > 0 ? MaxBatchSize : 8;
}
