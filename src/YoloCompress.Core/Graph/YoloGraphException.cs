using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Graph;

/// <summary>The checkpoint cannot be turned into a graph: a module type the builder does not know
/// (<see cref="DiagnosticCatalog.UnsupportedModule"/>), or tensors and modules that disagree with what the
/// architecture implies (<see cref="DiagnosticCatalog.ArchitectureMismatch"/>). The message names the
/// checkpoint, the layer (index and yaml line) and both shapes where shapes disagree.</summary>
public sealed class YoloGraphException(string message, int? layerIndex = null, Exception? inner = null, DiagnosticDescriptor? descriptor = null)
    : YoloCompressException(descriptor ?? DiagnosticCatalog.ArchitectureMismatch, message, null, inner)
{
    /// <summary>The yaml layer at fault (the i of model.i), when there is one.</summary>
    public int? LayerIndex { get; } = layerIndex;

    /// <summary>The diagnostic code the failure is reported under.</summary>
    public DiagnosticDescriptor Descriptor => Diagnostic.Descriptor;
}
