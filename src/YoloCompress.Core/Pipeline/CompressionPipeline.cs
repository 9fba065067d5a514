namespace YoloCompress.Core.Pipeline;

/// <summary>import -> prune -> recover -> quantize -> validate -> emit. The stages land one by one.</summary>
public static class CompressionPipeline
{
    public static CompressionOutcome Run(CompressionRequest request, IProgress<string>? progress = null, CancellationToken cancellation = default) =>
        throw new NotImplementedException("The compression pipeline is being integrated.");
}
