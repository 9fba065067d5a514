using System.Buffers;

namespace YoloCompress.Runtime;

public sealed partial class YoloDetector
{
    /// <summary>Letterboxes item <paramref name="index"/> of a batch into <paramref name="destination"/>.</summary>
    private delegate LetterboxTransform LetterboxItem(int index, Span<float> destination);

    /// <summary>Detects objects in each image; the result at i is image i's. A model with a dynamic batch and a
    /// fixed input runs up to <see cref="YoloDetectorOptions.MaxBatchSize"/> images in one call, any other runs them
    /// one by one: the detections are the same either way. Thread-safe.</summary>
    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<RgbImage> images, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        for (int i = 0; i < images.Count; i++)
            if (images[i] is null)
                throw new ArgumentException($"Image {i} of the batch is null.", nameof(images));
        return DetectBatch(images.Count, (i, destination) =>
        {
            var image = images[i];
            var source = SourcePixels.Rgb(image.Pixels, image.Width, image.Height);
            return Letterbox.Apply(source, destination, Geometry.Plan(image.Width, image.Height));
        }, options);
    }

    /// <summary>Detects objects in each raw frame; see <see cref="Detect(IReadOnlyList{RgbImage}, DetectionOptions?)"/>.</summary>
    /// <exception cref="ArgumentException">A frame's buffer does not hold its layout (checked before anything runs).</exception>
    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<Frame> frames, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        for (int i = 0; i < frames.Count; i++)
            frames[i].Layout.Validate(frames[i].Pixels.Length, $"{nameof(frames)}[{i}]");
        return DetectBatch(frames.Count, (i, destination) =>
        {
            var frame = frames[i];
            var source = SourcePixels.Of(frame.Pixels.Span, frame.Layout);
            return Letterbox.Apply(source, destination, Geometry.Plan(frame.Layout.Width, frame.Layout.Height));
        }, options);
    }

    private IReadOnlyList<Detection>[] DetectBatch(int count, LetterboxItem letterbox, DetectionOptions? options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var results = new IReadOnlyList<Detection>[count];
        var buffers = Rent();
        try
        {
            for (int start = 0; start < count; start += _batchLimit)
            {
                int n = Math.Min(_batchLimit, count - start);
                if (n == 1)
                {
                    var transform = letterbox(start, buffers.Input);
                    var output = RunPrepared(buffers, transform.InputWidth, transform.InputHeight);
                    results[start] = Decode(buffers, output.Values, transform, options);
                }
                else
                {
                    RunChunk(buffers, start, n, letterbox, options, results);
                }
            }
        }
        finally
        {
            Return(buffers);
        }
        return results;
    }

    /// <summary>One batched run of <paramref name="n"/> images from <paramref name="start"/> (fixed geometry only:
    /// every image has the same input shape), in pooled tensors sized for the chunk.</summary>
    private void RunChunk(InferenceBuffers buffers, int start, int n, LetterboxItem letterbox, DetectionOptions? options, IReadOnlyList<Detection>[] results)
    {
        int plane = 3 * InputWidth * InputHeight, rowFloats = _maxRows * OutputColumns;
        float[] input = ArrayPool<float>.Shared.Rent(n * plane);
        float[] output = ArrayPool<float>.Shared.Rent(n * rowFloats);
        try
        {
            var transforms = new LetterboxTransform[n];
            for (int k = 0; k < n; k++)
                transforms[k] = letterbox(start + k, input.AsSpan(k * plane, plane));
            RunBatch(buffers.RunOptions, input, output, n, InputWidth, InputHeight, _maxRows);
            for (int k = 0; k < n; k++)
                results[start + k] = Decode(buffers, output.AsSpan(k * rowFloats, rowFloats), transforms[k], options);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
            ArrayPool<float>.Shared.Return(output);
        }
    }
}
