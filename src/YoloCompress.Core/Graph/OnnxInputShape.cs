using Onnx;
using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.Graph;

/// <summary>An exporter's dynamic axes ('batch', 'height', 'width') made concrete: every stage works on one
/// image at the InputSize setting, as a checkpoint's graph does, so a symbolic batch becomes 1 and symbolic
/// height and width become the input size. The shape subgraphs the exporter emitted stay and still compute
/// the same shapes; only the declared input shape changes. Without an InputSize, symbolic sizes become 640 and
/// a fixed size is the model's own; a fixed image size other than an InputSize that was set is an error naming
/// the setting: calibration and validation images are letterboxed to the input size.</summary>
internal static class OnnxInputShape
{
    /// <summary>The reference exporter's default image size.</summary>
    public const int DefaultInputSize = 640;

    public static void FixSymbolicDims(ModelProto model, int? inputSize, string path)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in model.Graph.Input)
        {
            if (initializers.Contains(input.Name)) continue;
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null) continue;
            for (int d = 0; d < dims.Count; d++)
            {
                if (!dims[d].HasDimValue)
                    dims[d] = new TensorShapeProto.Types.Dimension { DimValue = d == 0 ? 1 : inputSize ?? DefaultInputSize };
                else if (dims.Count == 4 && d >= 2 && inputSize is { } size && dims[d].DimValue != size)
                    throw new YoloCompressException(DiagnosticCatalog.SettingNotApplicable,
                        $"{path} takes {dims[2].DimValue}x{dims[3].DimValue} images on input '{input.Name}', not the InputSize {inputSize}: set InputSize {dims[2].DimValue} or export the model with dynamic axes");
            }
        }
    }
}
