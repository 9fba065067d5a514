using Onnx;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Runtime;

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

    /// <param name="geometry">The InputSize setting as a geometry; null for the model's own (symbolic sizes 640).
    /// Per-image shapes keep a symbolic height and width (the exporter's <c>--dynamic</c> graph computes its grids).</param>
    public static void FixSymbolicDims(ModelProto model, InputGeometry? geometry, string path)
    {
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in model.Graph.Input)
        {
            if (initializers.Contains(input.Name)) continue;
            var dims = input.Type?.TensorType?.Shape?.Dim;
            if (dims is null) continue;
            bool image = dims.Count == 4;
            if (image && geometry is { IsPerImage: true } && (dims[2].HasDimValue || dims[3].HasDimValue))
                throw new YoloCompressException(DiagnosticCatalog.SettingNotApplicable,
                    $"{path} takes {Side(dims[3])}x{Side(dims[2])} images on input '{input.Name}', not per-image shapes (InputSize {geometry}): " +
                    "export the model with dynamic axes (--dynamic) or give the .pt checkpoint");
            for (int d = 0; d < dims.Count; d++)
            {
                int? wanted = !image || d < 2 || geometry is not { IsPerImage: false } g ? null : d == 2 ? g.Height : g.Width;
                if (!dims[d].HasDimValue)
                {
                    if (d == 0 || geometry is not { IsPerImage: true })
                        dims[d] = new TensorShapeProto.Types.Dimension { DimValue = d == 0 ? 1 : wanted ?? DefaultInputSize };
                }
                else if (wanted is { } size && dims[d].DimValue != size)
                    throw new YoloCompressException(DiagnosticCatalog.SettingNotApplicable,
                        $"{path} takes {dims[3].DimValue}x{dims[2].DimValue} (width x height) images on input '{input.Name}', not the InputSize {geometry}: " +
                        $"set InputSize {Spelling(dims[3].DimValue, dims[2].DimValue)} or export the model with dynamic axes");
            }
        }
    }

    private static string Side(TensorShapeProto.Types.Dimension d) => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam;

    private static string Spelling(long width, long height) => InputGeometry.Fixed((int)width, (int)height).ToString();
}
