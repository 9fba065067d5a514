namespace YoloCompress.Runtime;

public sealed partial class YoloDetector
{
    /// <summary>Detects objects in <paramref name="image"/>; boxes in the image's pixels. Thread-safe.</summary>
    /// <param name="image">The image.</param>
    /// <param name="options">Post-processing settings; ultralytics detect.py's defaults when null.</param>
    public IReadOnlyList<Detection> Detect(RgbImage image, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Detect(SourcePixels.Rgb(image.Pixels, image.Width, image.Height), options);
    }

    /// <summary>Detects objects in a raw frame (a camera or video frame: RGB, BGR, RGBA or BGRA, rows
    /// <see cref="FrameLayout.Stride"/> bytes apart); boxes in the frame's pixels. The frame is read in place, never
    /// converted to RGB first. Thread-safe.</summary>
    /// <param name="pixels">The frame's bytes.</param>
    /// <param name="layout">Its size, pixel format and stride.</param>
    /// <param name="options">Post-processing settings; ultralytics detect.py's defaults when null.</param>
    /// <exception cref="ArgumentException">The buffer is shorter than the layout needs, or the stride is below a row's
    /// size (the message names the sizes).</exception>
    public IReadOnlyList<Detection> Detect(ReadOnlySpan<byte> pixels, FrameLayout layout, DetectionOptions? options = null) =>
        Detect(SourcePixels.Of(pixels, layout), options);

    /// <summary>Detects objects in a raw frame of <paramref name="width"/> x <paramref name="height"/>
    /// <paramref name="format"/> pixels, rows <paramref name="stride"/> bytes apart (0: packed); see
    /// <see cref="Detect(ReadOnlySpan{byte}, FrameLayout, DetectionOptions?)"/>.</summary>
    public IReadOnlyList<Detection> Detect(ReadOnlySpan<byte> pixels, int width, int height, PixelFormat format, int stride = 0, DetectionOptions? options = null) =>
        Detect(pixels, new FrameLayout(width, height, format, stride), options);

    /// <summary>Detects objects in <paramref name="frame"/>; see <see cref="Detect(ReadOnlySpan{byte}, FrameLayout, DetectionOptions?)"/>.</summary>
    public IReadOnlyList<Detection> Detect(Frame frame, DetectionOptions? options = null) =>
        Detect(frame.Pixels.Span, frame.Layout, options);

    /// <summary>Decodes an encoded image (JPEG, PNG, BMP, WebP, GIF) held in memory, its EXIF orientation applied, and
    /// detects objects in it; boxes in the upright image's pixels. Thread-safe.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a readable image.</exception>
    public IReadOnlyList<Detection> DetectEncoded(ReadOnlySpan<byte> encoded, DetectionOptions? options = null) =>
        Detect(RgbImage.Decode(encoded), options);

    private Detection[] Detect(in SourcePixels source, DetectionOptions? options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var buffers = Rent();
        try
        {
            var transform = Letterbox.Apply(source, buffers.Input, Geometry.Plan(source.Width, source.Height));
            var output = RunPrepared(buffers, transform.InputWidth, transform.InputHeight);
            return Decode(buffers, output.Values, transform, options);
        }
        finally
        {
            Return(buffers);
        }
    }

    /// <summary>NMS on one image's output, boxes mapped back to its pixels.</summary>
    private Detection[] Decode(InferenceBuffers buffers, ReadOnlySpan<float> output, in LetterboxTransform transform, DetectionOptions? options)
    {
        var scratch = buffers.Scratch;
        buffers.Nms.Run(output, OutputColumns, options ?? new DetectionOptions(), Names, scratch);
        var results = new Detection[scratch.Count];
        for (int i = 0; i < results.Length; i++)
            results[i] = scratch[i] with { Box = transform.ToOriginal(scratch[i].Box) };
        return results;
    }
}
