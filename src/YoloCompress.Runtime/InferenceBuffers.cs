using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Runtime;

/// <summary>What one call of <see cref="YoloDetector"/> writes to: the input tensor, the output tensor, and the NMS
/// scratch. A detector keeps one set for its <c>Run</c> methods and lends others from a pool to concurrent
/// <c>Detect</c> calls, so several threads share one session (ONNX Runtime's <c>Run</c> is thread-safe) without
/// sharing a buffer.</summary>
internal sealed class InferenceBuffers : IDisposable
{
    public InferenceBuffers(int inputFloats, int outputFloats)
    {
        Input = new float[inputFloats];
        Output = new float[outputFloats];
    }

    /// <summary>Float CHW of the largest input the model takes (one image).</summary>
    public float[] Input { get; }

    /// <summary>The largest output of one image: rows x (5 + classes).</summary>
    public float[] Output { get; }

    public NonMaxSuppression Nms { get; } = new();

    public List<Detection> Scratch { get; } = [];

    public RunOptions RunOptions { get; } = new();

    public void Dispose() => RunOptions.Dispose();
}
