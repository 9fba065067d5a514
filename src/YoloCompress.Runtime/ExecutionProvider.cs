namespace YoloCompress.Runtime;

/// <summary>The engine ONNX Runtime runs the model on. Each one other than <see cref="Cpu"/> lives in a native
/// package of its own that the app references instead of the CPU one (docs/runtime.md shows the swap);
/// <see cref="ExecutionProviders.PackageFor"/> names it.</summary>
public enum ExecutionProvider
{
    /// <summary>The CPU (MLAS), in every ONNX Runtime package. The default.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA: package <c>Microsoft.ML.OnnxRuntime.Gpu</c> (or <c>.Gpu.Linux</c> / <c>.Gpu.Windows</c>).</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT, in the same package as CUDA, with TensorRT installed on the machine.</summary>
    TensorRT,

    /// <summary>DirectML (any DirectX 12 GPU or NPU on Windows): package <c>Microsoft.ML.OnnxRuntime.DirectML</c>.</summary>
    DirectML,

    /// <summary>Intel OpenVINO (Intel CPUs, GPUs, NPUs): package <c>Intel.ML.OnnxRuntime.OpenVino</c>.</summary>
    OpenVino,

    /// <summary>Apple CoreML (macOS, iOS): in <c>Microsoft.ML.OnnxRuntime</c>'s Apple builds.</summary>
    CoreML,
}

/// <summary>What each <see cref="ExecutionProvider"/> is called inside ONNX Runtime and which package brings it.</summary>
public static class ExecutionProviders
{
    /// <summary>ONNX Runtime's name for <paramref name="provider"/>, as <c>OrtEnv.GetAvailableProviders()</c> lists it.</summary>
    public static string OrtName(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cpu => "CPUExecutionProvider",
        ExecutionProvider.Cuda => "CUDAExecutionProvider",
        ExecutionProvider.TensorRT => "TensorrtExecutionProvider",
        ExecutionProvider.DirectML => "DmlExecutionProvider",
        ExecutionProvider.OpenVino => "OpenVINOExecutionProvider",
        ExecutionProvider.CoreML => "CoreMLExecutionProvider",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown execution provider."),
    };

    /// <summary>The NuGet package that carries <paramref name="provider"/>'s native ONNX Runtime.</summary>
    public static string PackageFor(ExecutionProvider provider) => provider switch
    {
        ExecutionProvider.Cpu => "Microsoft.ML.OnnxRuntime",
        ExecutionProvider.Cuda or ExecutionProvider.TensorRT => "Microsoft.ML.OnnxRuntime.Gpu",
        ExecutionProvider.DirectML => "Microsoft.ML.OnnxRuntime.DirectML",
        ExecutionProvider.OpenVino => "Intel.ML.OnnxRuntime.OpenVino",
        ExecutionProvider.CoreML => "Microsoft.ML.OnnxRuntime (its macOS/iOS build)",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown execution provider."),
    };

    /// <summary>The providers the loaded native ONNX Runtime has (ONNX Runtime's names), e.g.
    /// <c>CPUExecutionProvider</c> alone for the CPU package.</summary>
    public static IReadOnlyList<string> Available() =>
        Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetAvailableProviders();
}

/// <summary>The native ONNX Runtime the app loaded lacks the execution provider the detector was configured with:
/// the app references the wrong native package (or none). The message names the provider and the package to add.</summary>
public sealed class ExecutionProviderUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="provider"/>.</summary>
    /// <param name="provider">The provider the options asked for.</param>
    /// <param name="available">The providers the loaded ONNX Runtime has.</param>
    /// <param name="inner">What ONNX Runtime threw, if it threw.</param>
    public ExecutionProviderUnavailableException(ExecutionProvider provider, IReadOnlyList<string> available, Exception? inner = null)
        : base($"The {provider} execution provider ({ExecutionProviders.OrtName(provider)}) is not in the ONNX Runtime this app loaded, "
            + $"which has {(available.Count == 0 ? "none" : string.Join(", ", available))}. Add the package {ExecutionProviders.PackageFor(provider)} "
            + "in place of Microsoft.ML.OnnxRuntime (docs/runtime.md, \"Choosing the engine\"), or use ExecutionProvider.Cpu."
            + (inner is null ? "" : " ONNX Runtime said: " + inner.Message), inner)
    {
        Provider = provider;
        Package = ExecutionProviders.PackageFor(provider);
    }

    /// <summary>The provider the options asked for.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>The package that brings it.</summary>
    public string Package { get; }
}
