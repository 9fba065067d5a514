using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Runtime;

/// <summary>A YOLOv5 ONNX model in ONNX Runtime, with the reference pre- and post-processing:
/// letterbox, run, decode, NMS, boxes back to image pixels.</summary>
/// <remarks>The input and output buffers are allocated once and reused, so an instance is not
/// thread-safe: use one per thread.</remarks>
public sealed class YoloDetector : IDisposable
{
    private const int DefaultInputSize = 640;

    private readonly InferenceSession _session;
    private readonly string[] _inputNames, _outputNames;
    private readonly float[] _input;
    private readonly OrtValue _inputValue;
    private readonly RunOptions _runOptions = new();
    private readonly NonMaxSuppression _nms = new();
    private readonly List<Detection> _scratch = [];
    private readonly OrtValue[] _inputValues;
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
            (InputHeight, InputWidth) = ReadInputSize(_session.InputMetadata[_inputNames[0]].Dimensions, meta, source);

            var outputDims = _session.OutputMetadata[_outputNames[0]].Dimensions;
            int columns = outputDims.Length == 3 ? outputDims[2] : -1;
            if (columns is > 0 and < 6)
                throw new InvalidDataException($"Model '{source}' output '{_outputNames[0]}' has {columns} values a row; a YOLOv5 detector has 5 + classes.");
            _input = new float[3 * InputHeight * InputWidth];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, InputHeight, InputWidth]);
            _inputValues = [_inputValue];
            if (columns < 0)
                columns = LearnOutputColumns(); // dynamic: run once on a blank input to see the shape
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

    /// <summary>Model input height in pixels.</summary>
    public int InputHeight { get; }

    /// <summary>Model input width in pixels.</summary>
    public int InputWidth { get; }

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
        var transform = Letterbox.Apply(image, _input, InputWidth, InputHeight);
        var output = RunPrepared();
        _nms.Run(output.Values, output.Columns, options ?? new DetectionOptions(), Names, _scratch);
        var results = new Detection[_scratch.Count];
        for (int i = 0; i < results.Length; i++)
            results[i] = _scratch[i] with { Box = transform.ToOriginal(_scratch[i].Box) };
        return results;
    }

    /// <summary>Runs the model on a preprocessed input (float CHW, RGB 0..1, one image of
    /// <see cref="InputHeight"/> x <see cref="InputWidth"/>).</summary>
    /// <returns>The raw output <c>[anchors, 5 + classes]</c>, a view of a buffer the next call overwrites.</returns>
    public ModelOutput Run(ReadOnlySpan<float> chw)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (chw.Length != _input.Length)
            throw new ArgumentException($"The model takes 3x{InputHeight}x{InputWidth} = {_input.Length} floats, got {chw.Length}.", nameof(chw));
        chw.CopyTo(_input);
        return RunPrepared();
    }

    /// <summary>Letterboxes <paramref name="image"/> into the input buffer and runs the model.</summary>
    /// <returns>The raw output and how to map its boxes back to the image.</returns>
    public (ModelOutput Output, LetterboxTransform Transform) Run(RgbImage image)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var transform = Letterbox.Apply(image, _input, InputWidth, InputHeight);
        return (RunPrepared(), transform);
    }

    private ModelOutput RunPrepared()
    {
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

    private int LearnOutputColumns()
    {
        using var results = _session.Run(_runOptions, _inputNames, _inputValues, _outputNames);
        var shape = results[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 3 || shape[2] < 6)
            throw new InvalidDataException($"Model output '{_outputNames[0]}' has shape [{string.Join(", ", shape)}]; a YOLOv5 detector gives [1, anchors, 5 + classes].");
        return (int)shape[2];
    }

    private static (int Height, int Width) ReadInputSize(int[] dims, IReadOnlyDictionary<string, string> meta, string source)
    {
        if (dims.Length != 4 || (dims[1] != 3 && dims[1] > 0))
            throw new InvalidDataException($"Model '{source}' input has shape [{string.Join(", ", dims)}]; a YOLOv5 detector takes [batch, 3, height, width].");
        if (dims[2] > 0 && dims[3] > 0)
            return (dims[2], dims[3]);
        // Dynamic spatial size: the reference exporter writes imgsz as "[640, 640]".
        if (meta.TryGetValue("imgsz", out var imgsz))
        {
            var parts = imgsz.Trim('[', ']', '(', ')', ' ').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w) && h > 0 && w > 0)
                return (h, w);
        }
        return (DefaultInputSize, DefaultInputSize);
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
