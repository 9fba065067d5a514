using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Runtime;

/// <summary>Creates the ONNX Runtime session <see cref="YoloDetectorOptions"/> describes, and turns ONNX Runtime's
/// errors for a missing engine (an <see cref="EntryPointNotFoundException"/> on a native function, "not supported in
/// this build") into one that names the provider and the package to add.</summary>
internal static class SessionFactory
{
    public static InferenceSession Create(byte[] model, string source, in YoloDetectorOptions options)
    {
        try
        {
            return CreateSession(model, source, options);
        }
        catch (TypeInitializationException e) when (e.InnerException is DllNotFoundException or EntryPointNotFoundException)
        {
            // No native onnxruntime at all: the app excluded Microsoft.ML.OnnxRuntime and added no other engine.
            throw new ExecutionProviderUnavailableException(options.Provider, [], e.InnerException);
        }
    }

    private static InferenceSession CreateSession(byte[] model, string source, in YoloDetectorOptions options)
    {
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = options.GraphOptimization ?? GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = Math.Max(0, options.IntraOpThreads),
            InterOpNumThreads = 1,
        };
        AppendProvider(sessionOptions, options);
        if (options.ConfigureSession is { } configure)
        {
            try
            {
                configure(sessionOptions);
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or NotSupportedException or OnnxRuntimeException)
            {
                throw new InvalidOperationException("ConfigureSession failed: " + e.Message + " An execution provider needs its native package "
                    + "in place of Microsoft.ML.OnnxRuntime: " + string.Join(", ", Enum.GetValues<ExecutionProvider>().Skip(1)
                        .Select(p => $"{p}: {ExecutionProviders.PackageFor(p)}")) + " (docs/runtime.md).", e);
            }
        }

        try
        {
            return new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load '{source}': {e.Message}", e);
        }
    }

    private static void AppendProvider(SessionOptions sessionOptions, in YoloDetectorOptions options)
    {
        var provider = options.Provider;
        if (provider == ExecutionProvider.Cpu)
            return;
        // Asking first gives one clear error for every provider; calling the native function of a provider the
        // library lacks fails differently for each (a missing entry point, NotSupportedException, an ORT error).
        var available = ExecutionProviders.Available();
        if (!available.Contains(ExecutionProviders.OrtName(provider)))
            throw new ExecutionProviderUnavailableException(provider, available);
        try
        {
            switch (provider)
            {
                case ExecutionProvider.Cuda: sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId); break;
                case ExecutionProvider.TensorRT: sessionOptions.AppendExecutionProvider_Tensorrt(options.DeviceId); break;
                case ExecutionProvider.DirectML:
                    // DirectML needs memory patterns off and sequential execution (ONNX Runtime's DirectML page).
                    sessionOptions.EnableMemoryPattern = false;
                    sessionOptions.AppendExecutionProvider_DML(options.DeviceId);
                    break;
                case ExecutionProvider.OpenVino: sessionOptions.AppendExecutionProvider_OpenVINO(options.OpenVinoDevice ?? ""); break;
                case ExecutionProvider.CoreML: sessionOptions.AppendExecutionProvider_CoreML(CoreMLFlags.COREML_FLAG_USE_NONE); break;
                default: throw new ArgumentOutOfRangeException(nameof(options), provider, "Unknown execution provider.");
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or NotSupportedException or OnnxRuntimeException)
        {
            throw new ExecutionProviderUnavailableException(provider, available, e);
        }
    }
}
