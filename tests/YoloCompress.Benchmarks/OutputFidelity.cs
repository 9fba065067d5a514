using Google.Protobuf;
using Onnx;
using YoloCompress.Runtime;

namespace YoloCompress.Benchmarks;

/// <summary>A low-noise proxy metric: minus the mean squared change of the output scores (objectness and
/// class probabilities, columns 4 on) from the unpruned model's, over a few images. 0 for the unpruned model.</summary>
internal sealed class OutputFidelity
{
    private readonly float[][] _inputs;
    private readonly float[][] _reference;
    private readonly int _threads;

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
        double sum = 0;
        long count = 0;
        for (int i = 0; i < outputs.Length; i++)
            for (int k = 0; k < outputs[i].Length; k++)
            {
                double d = outputs[i][k] - _reference[i][k];
                sum += d * d;
                count++;
            }
        return -sum / count;
    }

    private float[][] Run(ModelProto model)
    {
        using var detector = new YoloDetector(model.ToByteArray(), new YoloDetectorOptions { IntraOpThreads = _threads });
        return _inputs.Select(input =>
        {
            var output = detector.Run(input);
            var values = output.Values;
            int columns = output.Columns;
            var scores = new float[values.Length / columns * (columns - 4)];
            int n = 0;
            for (int row = 0; row < values.Length; row += columns)
                for (int c = 4; c < columns; c++) scores[n++] = values[row + c];
            return scores;
        }).ToArray();
    }
}
