using System.Collections.Concurrent;
using Microsoft.ML.OnnxRuntime;

namespace YoloCompress.Runtime;

/// <summary>A YOLOv5 ONNX model in ONNX Runtime, with the reference pre- and post-processing:
/// letterbox, run, decode, NMS, boxes back to image pixels. The letterbox follows the model's input: a fixed square or
/// rectangle as the model declares it, and for a model with symbolic height and width each image's own smallest
/// stride-multiple rectangle (<see cref="InputGeometry.PerImage"/>), its long side the model's <c>imgsz</c>.</summary>
/// <remarks>The <c>Detect</c> methods are thread-safe: concurrent calls share the one session and each borrows its
/// own buffers from a pool (as many sets as calls ever ran at once). The <c>Run</c> methods return a view of the
/// detector's own buffer that the next <c>Run</c> overwrites: one caller at a time. The engine (CPU, CUDA,
/// DirectML, OpenVINO, CoreML) and the session's threads come from <see cref="YoloDetectorOptions"/>.</remarks>
public sealed partial class YoloDetector : IDisposable
{
    private const int DefaultInputSize = 640;
    private const int DefaultStride = 32;

    private readonly InferenceSession _session;
    private readonly string[] _inputNames, _outputNames;
    private readonly InferenceBuffers _primary;
    private readonly ConcurrentBag<InferenceBuffers> _pool = [];
    private readonly ConcurrentDictionary<(int Width, int Height), int> _rowsByShape = [];
    private readonly int _batchLimit;
    private readonly int _maxRows;
    private bool _disposed;

    /// <summary>Loads the model file at <paramref name="modelPath"/>.</summary>
    /// <exception cref="ExecutionProviderUnavailableException">The options name an engine the loaded ONNX Runtime lacks.</exception>
    public YoloDetector(string modelPath, YoloDetectorOptions options = default)
        : this(File.Exists(modelPath ?? throw new ArgumentNullException(nameof(modelPath)))
              ? File.ReadAllBytes(modelPath)
              : throw new FileNotFoundException($"ONNX model '{modelPath}' does not exist.", modelPath),
          modelPath, options)
    {
    }

    /// <summary>Loads a model from its serialized bytes.</summary>
    /// <exception cref="ExecutionProviderUnavailableException">The options name an engine the loaded ONNX Runtime lacks.</exception>
    public YoloDetector(byte[] model, YoloDetectorOptions options = default)
        : this(model ?? throw new ArgumentNullException(nameof(model)), "model bytes", options)
    {
    }

    /// <summary>Loads a model read from <paramref name="model"/> (to its end), e.g. an embedded resource.</summary>
    /// <exception cref="ExecutionProviderUnavailableException">The options name an engine the loaded ONNX Runtime lacks.</exception>
    public YoloDetector(Stream model, YoloDetectorOptions options = default)
        : this(ReadAll(model), "model stream", options)
    {
    }

    private YoloDetector(byte[] model, string source, YoloDetectorOptions options)
    {
        _session = SessionFactory.Create(model, source, options);
        try
        {
            _inputNames = [_session.InputNames[0]];
            _outputNames = [_session.OutputNames[0]];
            var meta = _session.ModelMetadata.CustomMetadataMap;
            var inputDims = _session.InputMetadata[_inputNames[0]].Dimensions;
            Geometry = ReadGeometry(inputDims, meta, source);
            HasDynamicBatch = inputDims[0] <= 0;
            _batchLimit = HasDynamicBatch && !Geometry.IsPerImage ? options.BatchLimit : 1;

            var outputDims = _session.OutputMetadata[_outputNames[0]].Dimensions;
            int columns = outputDims.Length == 3 ? outputDims[2] : -1;
            if (columns is > 0 and < 6)
                throw new InvalidDataException($"Model '{source}' output '{_outputNames[0]}' has {columns} values a row; a YOLOv5 detector has 5 + classes.");
            (_maxRows, ClassCount) = outputDims.Length == 3 && outputDims[1] > 0 && columns > 0 && !Geometry.IsPerImage
                ? (outputDims[1], columns - 5)
                : LearnOutputShape(); // dynamic: run once on a blank input to see the shape
            _primary = NewBuffers();
            Metadata = new Dictionary<string, string>(meta, StringComparer.Ordinal);
            meta.TryGetValue("names", out var names);
            Names = ClassNames.Resolve(names, ClassCount);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>How images are fitted to the model's input: its fixed size, or per-image rectangles.</summary>
    public InputGeometry Geometry { get; }

    /// <summary>Model input height in pixels (for per-image rectangles, the largest: the long side).</summary>
    public int InputHeight => Geometry.Height;

    /// <summary>Model input width in pixels (for per-image rectangles, the largest: the long side).</summary>
    public int InputWidth => Geometry.Width;

    /// <summary>Whether the model's batch dimension is symbolic, so that a list of images runs as one batch (for a
    /// fixed input geometry; per-image rectangles differ in shape and run one by one).</summary>
    public bool HasDynamicBatch { get; }

    /// <summary>Number of classes the model predicts.</summary>
    public int ClassCount { get; }

    /// <summary>Class names by id (from the model's <c>names</c> metadata; "class N" where absent).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The model's custom metadata (metadata_props): names, stride, imgsz...</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Values per output row: 5 + <see cref="ClassCount"/>.</summary>
    public int OutputColumns => ClassCount + 5;

    private InferenceBuffers NewBuffers() => new(3 * InputWidth * InputHeight, _maxRows * OutputColumns);

    private InferenceBuffers Rent() => _pool.TryTake(out var buffers) ? buffers : NewBuffers();

    private void Return(InferenceBuffers buffers) => _pool.Add(buffers);

    /// <summary>Runs the largest input once to see the output's rows and columns (every smaller per-image shape has
    /// fewer rows).</summary>
    private (int Rows, int Classes) LearnOutputShape()
    {
        var input = new float[3 * InputWidth * InputHeight];
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, InputHeight, InputWidth]);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, _inputNames, [value], _outputNames);
        var shape = results[0].GetTensorTypeAndShape().Shape;
        if (shape.Length != 3 || shape[2] < 6)
            throw new InvalidDataException($"Model output '{_outputNames[0]}' has shape [{string.Join(", ", shape)}]; a YOLOv5 detector gives [1, anchors, 5 + classes].");
        if (Geometry.IsPerImage)
            _rowsByShape[(InputWidth, InputHeight)] = (int)shape[1];
        return ((int)shape[1], (int)shape[2] - 5);
    }

    private static byte[] ReadAll(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Releases the ONNX Runtime session and its buffers; the detector cannot run afterwards (calls still
    /// running must have returned).</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _primary?.Dispose();
        while (_pool.TryTake(out var buffers))
            buffers.Dispose();
        _session.Dispose();
    }
}
