using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Runtime;

public sealed partial class YoloDetector
{
    /// <summary>Runs the model on a preprocessed input (float CHW, RGB 0..1, one image of
    /// <see cref="InputHeight"/> x <see cref="InputWidth"/>).</summary>
    /// <returns>The raw output <c>[anchors, 5 + classes]</c>, a view of a buffer the next call overwrites (not
    /// thread-safe: one caller at a time; <c>Detect</c> is the thread-safe way).</returns>
    public ModelOutput Run(ReadOnlySpan<float> chw) => Run(chw, InputWidth, InputHeight);

    /// <summary>Runs the model on a preprocessed <paramref name="width"/> x <paramref name="height"/> input (float
    /// CHW, RGB 0..1, one image): any stride-multiple shape up to the long side for a model with per-image shapes,
    /// the model's own for a fixed one.</summary>
    /// <returns>The raw output <c>[anchors, 5 + classes]</c>, a view of a buffer the next call overwrites (not
    /// thread-safe).</returns>
    public ModelOutput Run(ReadOnlySpan<float> chw, int width, int height)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool fits = Geometry.IsPerImage
            ? width > 0 && height > 0 && width <= InputWidth && height <= InputHeight && width % Geometry.Stride == 0 && height % Geometry.Stride == 0
            : width == InputWidth && height == InputHeight;
        if (!fits)
            throw new ArgumentException(Geometry.IsPerImage
                ? $"The model takes inputs whose sides are multiples of {Geometry.Stride} up to {InputWidth}, not {width}x{height}."
                : $"The model takes {InputWidth}x{InputHeight} inputs, not {width}x{height}.", nameof(width));
        if (chw.Length != 3 * width * height)
            throw new ArgumentException($"A 3x{height}x{width} input is {3 * width * height} floats, got {chw.Length}.", nameof(chw));
        chw.CopyTo(_primary.Input);
        return RunPrepared(_primary, width, height);
    }

    /// <summary>Letterboxes <paramref name="image"/> into the input buffer and runs the model.</summary>
    /// <returns>The raw output and how to map its boxes back to the image; the output is a view of a buffer the
    /// next <c>Run</c> overwrites (not thread-safe).</returns>
    public (ModelOutput Output, LetterboxTransform Transform) Run(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var transform = Letterbox.Apply(image, _primary.Input, Geometry);
        return (RunPrepared(_primary, transform.InputWidth, transform.InputHeight), transform);
    }

    /// <summary>Runs one image already letterboxed into <paramref name="buffers"/>' input, at
    /// <paramref name="width"/> x <paramref name="height"/>, into its output.</summary>
    private ModelOutput RunPrepared(InferenceBuffers buffers, int width, int height)
    {
        int rows = _maxRows;
        if (Geometry.IsPerImage && !_rowsByShape.TryGetValue((width, height), out rows))
            return RunLearningRows(buffers, width, height);
        RunBatch(buffers.RunOptions, buffers.Input, buffers.Output, 1, width, height, rows);
        return new ModelOutput(buffers.Output, rows, OutputColumns);
    }

    /// <summary>Runs <paramref name="batch"/> images of <paramref name="width"/> x <paramref name="height"/> (CHW
    /// one after the other in <paramref name="input"/>) into <paramref name="output"/>, <paramref name="rows"/> rows
    /// an image; both tensors are views of the caller's arrays, so ONNX Runtime writes the result where it is read.</summary>
    private void RunBatch(RunOptions runOptions, float[] input, float[] output, int batch, int width, int height, int rows)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            input.AsMemory(0, batch * 3 * width * height), [batch, 3, height, width]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            output.AsMemory(0, batch * rows * OutputColumns), [batch, rows, OutputColumns]);
        _session.Run(runOptions, _inputNames, [inputValue], _outputNames, [outputValue]);
    }

    /// <summary>The first run of a per-image model at one input shape: ONNX Runtime allocates the output, which
    /// tells its row count for later runs at that shape (then bound to the buffer like the others).</summary>
    private ModelOutput RunLearningRows(InferenceBuffers buffers, int width, int height)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            buffers.Input.AsMemory(0, 3 * width * height), [1, 3, height, width]);
        using var results = _session.Run(buffers.RunOptions, _inputNames, [input], _outputNames);
        var values = results[0].GetTensorDataAsSpan<float>();
        int rows = values.Length / OutputColumns;
        values.CopyTo(buffers.Output);
        _rowsByShape[(width, height)] = rows;
        return new ModelOutput(buffers.Output, rows, OutputColumns);
    }
}
