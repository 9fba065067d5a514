using Microsoft.ML.OnnxRuntime;
using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime.Apps;

/// <summary>The app's choice of engine: the CPU package the tests reference runs the model with the typed options and
/// the session hook; a provider that package lacks fails with its name and the package to add.</summary>
public class ExecutionProviderTests
{
    private static readonly float[][] Rows = [[32, 32, 20, 10, 0.9f, 0.9f, 0.1f]];

    [Fact]
    public void TheCpuPackage_RunsTheRealModel_WithTheTypedOptionsAndTheHook()
    {
        Assert.Contains("CPUExecutionProvider", ExecutionProviders.Available());
        int hookCalls = 0;
        var options = new YoloDetectorOptions
        {
            Provider = ExecutionProvider.Cpu,
            IntraOpThreads = 1,
            GraphOptimization = GraphOptimizationLevel.ORT_ENABLE_BASIC,
            ConfigureSession = o =>
            {
                hookCalls++;
                Assert.Equal(GraphOptimizationLevel.ORT_ENABLE_BASIC, o.GraphOptimizationLevel);
                Assert.Equal(1, o.IntraOpNumThreads);
            },
        };
        using var detector = new YoloDetector(RealModel.FoldedYolov5n, options);

        Assert.Equal(1, hookCalls);
        var detections = detector.Detect(RgbImage.Load(TestData.Reference("zidane.jpg")));
        Assert.Contains(detections, d => d.Name == "person" && d.Confidence > 0.5f);
    }

    [Theory]
    [InlineData(ExecutionProvider.Cuda, "CUDAExecutionProvider", "Microsoft.ML.OnnxRuntime.Gpu")]
    [InlineData(ExecutionProvider.TensorRT, "TensorrtExecutionProvider", "Microsoft.ML.OnnxRuntime.Gpu")]
    [InlineData(ExecutionProvider.DirectML, "DmlExecutionProvider", "Microsoft.ML.OnnxRuntime.DirectML")]
    [InlineData(ExecutionProvider.OpenVino, "OpenVINOExecutionProvider", "Intel.ML.OnnxRuntime.OpenVino")]
    [InlineData(ExecutionProvider.CoreML, "CoreMLExecutionProvider", "Microsoft.ML.OnnxRuntime (its macOS/iOS build)")]
    public void AProviderTheLoadedRuntimeLacks_FailsNamingItAndItsPackage(ExecutionProvider provider, string ortName, string package)
    {
        Assert.DoesNotContain(ortName, ExecutionProviders.Available()); // the tests load the CPU package

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() =>
            new YoloDetector(TinyModels.ConstantOutput(Rows, 64, null), new YoloDetectorOptions { Provider = provider }));

        Assert.Equal((provider, package), (e.Provider, e.Package));
        Assert.Contains($"The {provider} execution provider ({ortName})", e.Message);
        Assert.Contains($"Add the package {package}", e.Message);
        Assert.Contains("CPUExecutionProvider", e.Message); // what the app has instead
    }

    [Fact]
    public void AProviderAppendedInTheHook_ThatTheRuntimeLacks_FailsNamingThePackages()
    {
        // ONNX Runtime's own error here is a missing native entry point (OrtSessionOptionsAppendExecutionProvider_CUDA).
        var e = Assert.Throws<InvalidOperationException>(() => new YoloDetector(TinyModels.ConstantOutput(Rows, 64, null),
            new YoloDetectorOptions { ConfigureSession = o => o.AppendExecutionProvider_CUDA(0) }));

        Assert.StartsWith("ConfigureSession failed:", e.Message);
        Assert.Contains("AppendExecutionProvider_CUDA", e.Message);
        Assert.Contains("Cuda: Microsoft.ML.OnnxRuntime.Gpu", e.Message);
    }

    [Fact]
    public void AProviderInTheRuntimeThatCannotStart_SaysWhatItNeeds()
    {
        // What the GPU package reports on a machine without CUDA (checked by hand with Microsoft.ML.OnnxRuntime.Gpu.Linux
        // 1.31.0, docs/runtime.md): the provider is listed, appending it fails to load its libraries.
        var cannotStart = new ExecutionProviderUnavailableException(ExecutionProvider.Cuda,
            ["CUDAExecutionProvider", "CPUExecutionProvider"], new InvalidOperationException("[ErrorCode:Fail] OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library"));
        Assert.Contains("is in the ONNX Runtime this app loaded (Microsoft.ML.OnnxRuntime.Gpu) but could not start: [ErrorCode:Fail] OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library.", cannotStart.Message);
        Assert.Contains("CUDA and cuDNN", cannotStart.Message);

        // No native library at all (Microsoft.ML.OnnxRuntime excluded, nothing added): the first line of the probe list.
        var none = new ExecutionProviderUnavailableException(ExecutionProvider.Cpu, [], new DllNotFoundException("Unable to load shared library 'onnxruntime'.\n/app/libonnxruntime.so: cannot open"));
        Assert.Contains("found no native onnxruntime library at all", none.Message);
        Assert.Contains("Reference Microsoft.ML.OnnxRuntime (without ExcludeAssets)", none.Message);
        Assert.EndsWith("ONNX Runtime said: Unable to load shared library 'onnxruntime'.", none.Message);
    }

    [Fact]
    public void AModelThatIsNotAYoloDetector_KeepsTheClearError()
    {
        var notYolo = new TinyGraph(size: 8);
        notYolo.Graph.Node.Add(Core.OnnxModel.OnnxNodes.Node("Identity", "id", ["images"], ["output0"]));
        notYolo.Output("output0", 1, 3, 8, 8);

        var e = Assert.Throws<InvalidDataException>(() => new YoloDetector(Google.Protobuf.MessageExtensions.ToByteArray(notYolo.Model)));
        Assert.Contains("a YOLOv5 detector", e.Message);
    }
}
