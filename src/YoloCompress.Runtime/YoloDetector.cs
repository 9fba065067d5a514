using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Runtime;

/// <summary>A YOLOv5 ONNX model in ONNX Runtime, with the reference pre- and post-processing:
/// letterbox, run, decode, NMS, boxes back to image pixels. The letterbox follows the model's input: a fixed square or
/// rectangle as the model declares it, and for a model with symbolic height and width each image's own smallest
/// stride-multiple rectangle (<see cref="InputGeometry.PerImage"/>), its long side the model's <c>imgsz</c>.</summary>
/// <remarks>The input and output buffers are allocated once and reused, so an instance is not
/// thread-safe: use one per thread.</remarks>
public sealed class YoloDetector : IDisposable
{
    private const int DefaultInputSize = 640;
    private const int DefaultStride = 32;

    private readonly InferenceSession _session;
    private readonly string[] _inputNames, _outputNames;
    private readonly float[] _input;
    private readonly OrtValue _inputValue;
    private readonly RunOptions _runOptions = new();
    private readonly NonMaxSuppression _nms = new();
    private readonly List<Detection> _scratch = [];
    private readonly OrtValue[] _inputValues;
    private readonly Dictionary<(int Width, int Height), int> _rowsByShape = [];
    private float[] _output = [];
    private OrtValue? _outputValue;
    private OrtValue[] _outputValues = [];
    private bool _disposed;

    /// <summary>Loads the model file at <paramref name="modelPath"/>.</summary>
    public YoloDetector(string modelPath, YoloDetectorOptions options = default)
        : this(File.Exists(modelPath ?? throw new ArgumentNullException(nameof(modelPath)))
              ? File.ReadAllBytes(modelPath)
              : throw new FileNotFoundException($"ONNX model '{modelPath}' does not exist.", modelPath),
          modelPath, options)
    {
    }

    /// <summary>Loads a model from its serialized bytes.</summary>
    public YoloDetector(byte[] model, YoloDetectorOptions options = default)
        : this(model ?? throw new ArgumentNullException(nameof(model)), "model bytes", options)
    {
    }

    /// <summary>Loads a model read from <paramref name="model"/> (to its end), e.g. an embedded resource.</summary>
    public YoloDetector(Stream model, YoloDetectorOptions options = default)
        : this(ReadAll(model), "model stream", options)
    {
    }

    private YoloDetector(byte[] model, string source, YoloDetectorOptions options)
    {
        using var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = Math.Max(0, options.IntraOpThreads),
            InterOpNumThreads = 1,
        };
        try
        {
            _session = new InferenceSession(model, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load '{source}': {e.Message}", e);
        }

        try
        {
            _inputNames = [_session.InputNames[0]];
            _outputNames = [_session.OutputNames[0]];
            var meta = _session.ModelMetadata.CustomMetadataMap;
            Geometry = ReadGeometry(_session.InputMetadata[_inputNames[0]].Dimensions, meta, source);

            var outputDims = _session.OutputMetadata[_outputNames[0]].Dimensions;
            int columns = outputDims.Length == 3 ? outputDims[2] : -1;
            if (columns is > 0 and < 6)
                throw new InvalidDataException($"Model '{source}' output '{_outputNames[0]}' has {columns} values a row; a YOLOv5 detector has 5 + classes.");
            _input = new float[3 * InputHeight * InputWidth];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, InputHeight, InputWidth]);
            _inputValues = [_inputValue];
            if (columns < 0 || Geometry.IsPerImage)
                columns = LearnOutputShape(); // dynamic: run once on a blank input to see the shape
            ClassCount = columns - 5;
            Metadata = new Dictionary<string, string>(meta, StringComparer.Ordinal);
            meta.TryGetValue("names", out var names);
            Names = ClassNames.Resolve(names, ClassCount);
        }
        catch
        {
            _session.Dispose();
            _inputValue?.Dispose();
            throw;
        }
    }

    /// <summary>How images are fitted to the model's input: its fixed size, or per-image rectangles.</summary>
    public InputGeometry Geometry { get; }

    /// <summary>Model input height in pixels (for per-image rectangles, the largest: the long side).</summary>
    public int InputHeight => Geometry.Height;

    /// <summary>Model input width in pixels (for per-image rectangles, the largest: the long side).</summary>
    public int InputWidth => Geometry.Width;

    /// <summary>Number of classes the model predicts.</summary>
    public int ClassCount { get; }

    /// <summary>Class names by id (from the model's <c>names</c> metadata; "class N" where absent).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The model's custom metadata (metadata_props): names, stride, imgsz...</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Values per output row: 5 + <see cref="ClassCount"/>.</summary>
    public int OutputColumns => ClassCount + 5;

    /// <summary>Detects objects in <paramref name="image"/>; boxes in the image's pixels.</summary>
    /// <param name="image">The image.</param>
    /// <param name="options">Post-processing settings; ultralytics detect.py's defaults when null.</param>
    public IReadOnlyList<Detection> Detect(RgbImage image, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var transform = Letterbox.Apply(image, _input, Geometry);
        var output = RunPrepared(transform.InputWidth, transform.InputHeight);
        _nms.Run(output.Values, output.Columns, options ?? new DetectionOptions(), Names, _scratch);
        var results = new Detection[_scratch.Count];
        for (int i = 0; i < results.Length; i++)
            results[i] = _scratch[i] with { Box = transform.ToOriginal(_scratch[i].Box) };
        return results;
    }

    /// <summary>Runs the model on a preprocessed input (float CHW, RGB 0..1, one image of
    /// <see cref="InputHeight"/> x <see cref="InputWidth"/>).</summary>
    /// <returns>The raw output <c>[anchors, 5 + classes]</c>, a view of a buffer the next call overwrites.</returns>
    public ModelOutput Run(ReadOnlySpan<float> chw) => Run(chw, InputWidth, InputHeight);

    /// <summary>Runs the model on a preprocessed <paramref name="width"/> x <paramref name="height"/> input (float
    /// CHW, RGB 0..1, one image): any stride-multiple shape up to the long side for a model with per-image shapes,
    /// the model's own for a fixed one.</summary>
    /// <returns>The raw output <c>[anchors, 5 + classes]</c>, a view of a buffer the next call overwrites.</returns>
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
        chw.CopyTo(_input);
        return RunPrepared(width, height);
    }

    /// <summary>Letterboxes <paramref name="image"/> into the input buffer and runs the model.</summary>
    /// <returns>The raw output and how to map its boxes back to the image.</returns>
    public (ModelOutput Output, LetterboxTransform Transform) Run(RgbImage image)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var transform = Letterbox.Apply(image, _input, Geometry);
        return (RunPrepared(transform.InputWidth, transform.InputHeight), transform);
    }

    private ModelOutput RunPrepared(int width, int height)
    {
        if (Geometry.IsPerImage)
            return RunPerImage(width, height);
        if (_outputValue is null)
        {
            // First run: let ONNX Runtime allocate, then bind a buffer of that shape for later runs.
            using var results = _session.Run(_runOptions, _inputNames, _inputValues, _outputNames);
            var shape = results[0].GetTensorTypeAndShape().Shape;
            _output = new float[results[0].GetTensorTypeAndShape().ElementCount];
            results[0].GetTensorDataAsSpan<float>().CopyTo(_output);
            _outputValue = OrtValue.CreateTensorValueFromMemory(_output, shape);
            _outputValues = [_outputValue];
        }
        else
        {
            _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
        }
        return new ModelOutput(_output, OutputColumns);
    }

    /// <summary>A run at one of the shapes a per-image model takes: the input and output are views of buffers sized
    /// for the largest shape; the first run at a shape lets ONNX Runtime allocate, to learn its row count.</summary>
    private ModelOutput RunPerImage(int width, int height)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            _input.AsMemory(0, 3 * width * height), [1, 3, height, width]);
        OrtValue[] inputs = [input];
        if (_rowsByShape.TryGetValue((width, height), out int rows))
        {
            using var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                _output.AsMemory(0, rows * OutputColumns), [1, rows, OutputColumns]);
            _session.Run(_runOptions, _inputNames, inputs, _outputNames, [output]);
            return new ModelOutput(_output, rows, OutputColumns);
        }

        using var results = _session.Run(_runOptions, _inputNames, inputs, _outputNames);
        var values = results[0].GetTensorDataAsSpan<float>();
        rows = values.Length / OutputColumns;
        values.CopyTo(_output);
        _rowsByShape[(width, height)] = rows;
        return new ModelOutput(_output, rows, OutputColumns);
    }

    /// <summary>Runs the largest input once to see the output's columns; for per-image shapes, sizes the output
    /// buffer for it (every smaller shape has fewer rows).</summary>
    private int LearnOutputShape()
    {
        using var results = _session.Run(_runOptions, _inputNames, _inputValues, _outputNames);
        var shape = results[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 3 || shape[2] < 6)
            throw new InvalidDataException($"Model output '{_outputNames[0]}' has shape [{string.Join(", ", shape)}]; a YOLOv5 detector gives [1, anchors, 5 + classes].");
        if (Geometry.IsPerImage)
        {
            _output = new float[shape[1] * shape[2]];
            _rowsByShape[(InputWidth, InputHeight)] = (int)shape[1];
        }
        return (int)shape[2];
    }

    private static InputGeometry ReadGeometry(int[] dims, IReadOnlyDictionary<string, string> meta, string source)
    {
        if (dims.Length != 4 || (dims[1] != 3 && dims[1] > 0))
            throw new InvalidDataException($"Model '{source}' input has shape [{string.Join(", ", dims)}]; a YOLOv5 detector takes [batch, 3, height, width].");
        if (dims[2] > 0 && dims[3] > 0)
            return InputGeometry.Fixed(dims[3], dims[2]);
        // Symbolic height and width: per-image rectangles, the long side the imgsz the exporters write ("[640, 640]").
        int longSide = DefaultInputSize;
        if (meta.TryGetValue("imgsz", out var imgsz))
        {
            var parts = imgsz.Trim('[', ']', '(', ')', ' ').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && h > 0 && w > 0)
                longSide = Math.Max(h, w);
        }
        int stride = meta.TryGetValue("stride", out var s) && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int st) && st > 0
            ? st : DefaultStride;
        return longSide % stride == 0 ? InputGeometry.PerImage(longSide, stride) : InputGeometry.Fixed(longSide, longSide);
    }

    private static byte[] ReadAll(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Releases the ONNX Runtime session and its buffers; the detector cannot run afterwards.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _outputValue?.Dispose();
        _inputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
