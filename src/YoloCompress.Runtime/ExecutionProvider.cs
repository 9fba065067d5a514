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

/// <summary>The execution provider the detector was configured with cannot run: the native ONNX Runtime the app loaded
/// lacks it (the app references the wrong native package, or none), or has it but cannot start it (its GPU libraries are
/// missing). The message names the provider and the package to add.</summary>
public sealed class ExecutionProviderUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="provider"/>.</summary>
    /// <param name="provider">The provider the options asked for.</param>
    /// <param name="available">The providers the loaded ONNX Runtime has.</param>
    /// <param name="inner">What ONNX Runtime threw, if it threw.</param>
    public ExecutionProviderUnavailableException(ExecutionProvider provider, IReadOnlyList<string> available, Exception? inner = null)
        : base(Describe(provider, available, inner), inner)
    {
        Provider = provider;
        Package = ExecutionProviders.PackageFor(provider);
    }

    /// <summary>The provider the options asked for.</summary>
    public ExecutionProvider Provider { get; }

    private static string Describe(ExecutionProvider provider, IReadOnlyList<string> available, Exception? inner)
    {
        // ONNX Runtime's first line says what failed; a DllNotFoundException goes on with every path it probed.
        string said = inner is null ? "" : inner.Message.Split('\n')[0].Trim().TrimEnd('.', ':') + ".";
        string has = available.Count == 0
            ? "which found no native onnxruntime library at all (Microsoft.ML.OnnxRuntime excluded and no other engine's package)"
            : "which has " + string.Join(", ", available);
        string fix = provider == ExecutionProvider.Cpu
            ? "Reference Microsoft.ML.OnnxRuntime (without ExcludeAssets) or another engine's package"
            : $"Add the package {ExecutionProviders.PackageFor(provider)} in place of Microsoft.ML.OnnxRuntime, or use ExecutionProvider.Cpu";
        if (available.Contains(ExecutionProviders.OrtName(provider)))
            return $"The {provider} execution provider ({ExecutionProviders.OrtName(provider)}) is in the ONNX Runtime this app loaded "
                + $"({ExecutionProviders.PackageFor(provider)}) but could not start: {said} It needs its own libraries on the machine "
                + "(CUDA and cuDNN for CUDA, TensorRT too for TensorRT, the OpenVINO runtime, a DirectX 12 device) in the versions this ONNX Runtime release names; "
                + "use ExecutionProvider.Cpu where they are absent.";
        return $"The {provider} execution provider ({ExecutionProviders.OrtName(provider)}) is not in the ONNX Runtime this app loaded, {has}. "
            + fix + " (docs/runtime.md, \"Choosing the engine\")." + (inner is null ? "" : " ONNX Runtime said: " + said);
    }

    /// <summary>The package that brings it.</summary>
    public string Package { get; }
}
