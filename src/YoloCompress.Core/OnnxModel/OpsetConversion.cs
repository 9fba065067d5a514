using Onnx;
using YoloCompress.Core.Diagnostics;

namespace YoloCompress.Core.OnnxModel;

/// <summary>Moves a model to another ONNX opset (the <c>Opset</c> setting) so that older consumers
/// (TensorRT 8, OpenCV 4.x, older ONNX Runtime) can take it. Only operators whose signature is known
/// across the whole range are converted: their rewrites are in <see cref="OpsetRewriter"/>; any other
/// operator, or one that cannot be expressed at the target (per-channel DequantizeLinear below 13),
/// is an error naming the setting, the node and the reason. The IR version follows the opset, as
/// ONNX's release table pairs them, since old readers refuse a newer IR.</summary>
public static class OpsetConversion
{
    /// <summary>The reference exporter's default, and the oldest opset with Resize, Clip and Slice
    /// taking their parameters as inputs as the graph builder writes them.</summary>
    public const int Minimum = 12;

    /// <summary>The newest opset the bundled ONNX Runtime (1.31) loads; a test checks that it does.</summary>
    public const int Maximum = 26;

    /// <summary>The ONNX Runtime the tool is built with, which sets <see cref="Maximum"/>.</summary>
    public const string OnnxRuntimeVersion = "1.31";

    /// <summary>The setting's name, for messages.</summary>
    public const string SettingName = "Opset";

    /// <summary>What the graph builder writes (its Opset names this), and so the default of the setting.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The model's default-domain opset.</summary>
    public static int OpsetOf(ModelProto model) =>
        (int)(model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0);

    /// <summary>The IR version ONNX released with each opset (onnx/docs/Versioning.md): the lowest that pairs with it,
    /// so a reader as old as the opset also reads the file. From 23 on, 11 (nothing newer in IR is used).</summary>
    public static long IrVersionFor(int opset) => opset switch
    {
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        <= 22 => 10,
        _ => 11,
    };

    /// <summary>The model at <paramref name="target"/>: the same instance when it already is there (so the
    /// default changes nothing), else a converted copy whose outputs are identical.</summary>
    /// <exception cref="YoloCompressException">YC0008: the model needs an operator the target lacks, or has
    /// one the converter does not know.</exception>
    public static ModelProto Convert(ModelProto model, int target)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (target is < Minimum or > Maximum)
            throw new YoloCompressException(DiagnosticCatalog.InvalidSettingValue, $"Setting '{SettingName}' must be {Minimum} to {Maximum} (the newest ONNX Runtime {OnnxRuntimeVersion} loads); it is {target}.");
        var source = OpsetOf(model);
        if (source == target) return model;
        if (model.OpsetImport.Any(o => o.Domain is not ("" or "ai.onnx")))
            throw Error(target, $"the model imports operator set(s) {string.Join(", ", model.OpsetImport.Where(o => o.Domain is not ("" or "ai.onnx")).Select(o => o.Domain))}, which the converter does not know");

        var converted = model.Clone();
        new OpsetRewriter(converted.Graph, source, target).Run();
        foreach (var import in converted.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
            import.Version = target;
        converted.IrVersion = IrVersionFor(target);
        return converted;
    }

    /// <summary>Fails before any work when the quantization itself needs a newer opset than the setting:
    /// int8 weights are dequantized per output channel, which DequantizeLinear has only from opset 13.</summary>
    /// <param name="quantization">The Quantization setting's value, for the message.</param>
    /// <param name="perChannelWeights">Whether that quantization stores per-channel weight scales.</param>
    public static void CheckQuantization(int target, string quantization, bool perChannelWeights)
    {
        if (target < 13 && perChannelWeights)
            throw new YoloCompressException(DiagnosticCatalog.OpsetTooOld,
                $"Setting '{SettingName}' is {target}, but Quantization={quantization} stores weights with one scale per output channel " +
                "(DequantizeLinear with an axis), which ONNX has from opset 13: use Opset=13 or later, or Quantization=fp16 or none.");
    }

    internal static YoloCompressException Error(int target, string reason) =>
        new(DiagnosticCatalog.OpsetTooOld, $"Setting '{SettingName}' is {target}, but {reason}.");
}
