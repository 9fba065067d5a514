namespace YoloCompress.Core.Graph;

/// <summary>The checkpoint cannot be turned into a graph: a module type the builder does not know, or tensors
/// whose sizes disagree with what the architecture implies. The message names the checkpoint, the layer
/// (index and yaml line) and both shapes where shapes disagree.</summary>
public sealed class YoloGraphException : Exception
{
    public YoloGraphException(string message, int? layerIndex = null, Exception? inner = null) : base(message, inner)
    {
        LayerIndex = layerIndex;
    }

    /// <summary>The yaml layer at fault (the i of model.i), when there is one.</summary>
    public int? LayerIndex { get; }
}
