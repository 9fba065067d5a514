using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Runs a model on a stream of inputs and hands every requested intermediate tensor to a
/// callback, image by image, so that statistics (calibration histograms, channel means) can be
/// accumulated without keeping activations in memory. ONNX Runtime only returns graph outputs, so the
/// requested tensors are added as extra outputs of a copy of the model.</summary>
public sealed class ActivationCollector : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly string[] _tensors;
    private readonly ValueInfoProto _input;
    private readonly RunOptions _runOptions = new();

    /// <param name="model">A float model; it is not modified.</param>
    /// <param name="tensors">Names of float tensors to collect (node outputs or graph outputs).</param>
    /// <param name="threads">ONNX Runtime intra-op threads; 0 lets it choose.</param>
    public ActivationCollector(ModelProto model, IReadOnlyList<string> tensors, int threads = 0)
    {
        var copy = model.Clone();
        var graph = copy.Graph;
        var existing = graph.Output.Select(o => o.Name).ToHashSet();
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet();
        foreach (var name in tensors)
        {
            if (existing.Contains(name)) continue;
            if (!produced.Contains(name))
                throw new ArgumentException($"The model has no tensor named '{name}' to collect.");
            graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
            existing.Add(name);
        }
        var input = graph.Input.First(i => graph.Initializer.All(init => init.Name != i.Name));
        _inputName = input.Name;
        _input = input;
        _tensors = tensors.ToArray();
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
        };
        _session = new InferenceSession(copy.ToByteArray(), options);
    }

    /// <summary>Runs one input (batch 1; the model's input shape, or for per-image shapes the one
    /// <see cref="ImageTensorShape"/> recorded) and calls <paramref name="onTensor"/>
    /// once per requested tensor, in the order they were requested. The span is only valid during the call.</summary>
    public void Run(float[] input, TensorVisitor onTensor)
    {
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, ImageTensorShape.For(_input, input));
        using var results = _session.Run(_runOptions, new[] { _inputName }, new[] { inputValue }, _tensors);
        for (int i = 0; i < _tensors.Length; i++)
        {
            var value = results[i];
            var shape = value.GetTensorTypeAndShape().Shape;
            onTensor(_tensors[i], value.GetTensorDataAsSpan<float>(), shape);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>Receives one collected tensor: its name, values (row-major) and shape.</summary>
public delegate void TensorVisitor(string name, ReadOnlySpan<float> values, long[] shape);
