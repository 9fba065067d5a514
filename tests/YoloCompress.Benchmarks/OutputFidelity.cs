using Google.Protobuf;
using Onnx;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>A low-noise proxy metric: minus the mean squared change of the outputs from the unpruned model's,
/// over a few images, weighted by the unpruned objectness (so the anchors that hold objects count): boxes in
/// units of the input size, objectness and class probabilities as they are. 0 for the unpruned model.</summary>
internal sealed class OutputFidelity
{
    private readonly float[][] _inputs;
    private readonly float[][] _reference;
    private readonly int _threads;
    private int _columns;
    private int _size;

    public OutputFidelity(ModelProto model, IEnumerable<float[]> inputs, int threads)
    {
        _inputs = inputs.ToArray();
        _threads = threads;
        _reference = Run(model);
    }

    public int Images => _inputs.Length;

    public double Score(ModelProto model)
    {
        var outputs = Run(model);
        double sum = 0, weights = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            var (now, before) = (outputs[i], _reference[i]);
            for (int row = 0; row < now.Length; row += _columns)
            {
                double w = before[row + 4], e = 0;
                for (int c = 0; c < _columns; c++)
                {
                    double d = now[row + c] - before[row + c];
                    e += c < 4 ? d * d / (_size * (double)_size) : d * d;
                }
                sum += w * e;
                weights += w;
            }
        }
        return -sum / weights;
    }

    private float[][] Run(ModelProto model)
    {
        using var detector = new YoloDetector(model.ToByteArray(), new YoloDetectorOptions { IntraOpThreads = _threads });
        _size = detector.InputWidth;
        return _inputs.Select(input =>
        {
            var output = detector.Run(input);
            _columns = output.Columns;
            return output.Values.ToArray();
        }).ToArray();
    }
}
