using Onnx;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Graph;
using YoloCompress.Core.Profiles;
using YoloCompress.Runtime;

namespace YoloCompress.Core.Pipeline;

/// <summary>A model to work on, from either kind of input the tool accepts: an ultralytics
/// checkpoint (rebuilt as our working graph, BatchNorm still separate) or an ONNX model exported by
/// the reference tool (BatchNorm already folded).</summary>
public sealed record ModelSource(string Path, ModelProto WorkingGraph, YoloCheckpoint? Checkpoint)
{
    public bool IsCheckpoint => Checkpoint is not null;

    /// <summary>The input the working graph takes: its fixed width x height, or per-image rectangles when its height
    /// and width are symbolic (long side from the imgsz metadata, else 640).</summary>
    public InputGeometry Geometry => GeometryOf(WorkingGraph);

    /// <summary>The input geometry a model declares (see <see cref="Geometry"/>).</summary>
    private static InputGeometry GeometryOf(ModelProto model)
    {
        var dims = model.Graph.Input[0].Type?.TensorType?.Shape?.Dim;
        if (dims is { Count: 4 } && dims[2].DimValue > 0 && dims[3].DimValue > 0)
            return InputGeometry.Fixed((int)dims[3].DimValue, (int)dims[2].DimValue);
        var size = ModelMetadata.ReadImageSize(model);
        int longSide = size is { } s ? Math.Max(s.Width, s.Height) : OnnxInputShape.DefaultInputSize;
        return InputGeometry.PerImage(longSide, LargestStride(model));
    }

    /// <summary>The model's largest stride: every input side is a multiple of it.</summary>
    public int Stride => Checkpoint is { } c ? (int)Math.Round(c.Strides.Max()) : LargestStride(WorkingGraph);

    private static int LargestStride(ModelProto model) =>
        int.TryParse(ModelMetadata.Get(model, ModelMetadata.StrideKey), out int stride) && stride > 0 ? stride : SettingDefinitions.LargestStride;

    /// <summary>The graph as it is written out: BatchNorm folded into the convolutions.</summary>
    public ModelProto Folded() => BatchNormFolding.Fold(WorkingGraph);

    /// <param name="inputSize">The geometry to build a checkpoint at (or to hold an .onnx to); null for the model's own
    /// (<see cref="YoloCheckpoint.DefaultInputSize"/>, an .onnx's declared size). Not <see cref="InputSizeKind.Auto"/>:
    /// the pipeline resolves that to candidates first.</param>
    public static ModelSource Load(string path, InputSizeSetting? inputSize = null)
    {
        if (inputSize is { Kind: InputSizeKind.Auto })
            throw new ArgumentException("InputSize auto is resolved by the geometry search before a model is loaded.", nameof(inputSize));
        if (!File.Exists(path)) throw new FileNotFoundException($"Model '{path}' does not exist.", path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            ModelProto model;
            try
            {
                using var stream = File.OpenRead(path);
                model = ModelProto.Parser.ParseFrom(stream);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException e)
            {
                throw new InvalidDataException($"Model '{path}' is not a valid ONNX file: {e.Message}", e);
            }
            if (model.Graph is null || model.Graph.Node.Count == 0)
                throw new InvalidDataException($"Model '{path}' has an empty graph.");
            var geometry = inputSize is { } size ? ToGeometry(size, OnnxInputShape.DefaultInputSize, LargestStride(model), path) : (InputGeometry?)null;
            OnnxInputShape.FixSymbolicDims(model, geometry, path);
            OpsetUpgrade.Apply(model);
            if (geometry is { } g)
                ModelMetadata.Set(model, ModelMetadata.ImageSizeKey, FormattableString.Invariant($"[{g.Height}, {g.Width}]"));
            return new ModelSource(path, model, null);
        }
        var checkpoint = CheckpointReader.Read(path);
        if (inputSize is not { } setting)
            return new ModelSource(path, YoloGraphBuilder.Build(checkpoint), checkpoint);
        var built = ToGeometry(setting, checkpoint.DefaultInputSize, (int)Math.Round(checkpoint.Strides.Max()), path);
        return new ModelSource(path, YoloGraphBuilder.Build(checkpoint, built), checkpoint);
    }

    /// <summary>The geometry an InputSize asks of a model whose own size is <paramref name="ownSize"/>; sides that are not
    /// multiples of the model's largest stride (a P6 model's 64) are a coded error naming the setting.</summary>
    private static InputGeometry ToGeometry(InputSizeSetting setting, int ownSize, int stride, string path)
    {
        int width = setting.Width > 0 ? setting.Width : ownSize, height = setting.Height > 0 ? setting.Height : ownSize;
        if (width % stride != 0 || height % stride != 0)
            throw new YoloCompressException(DiagnosticCatalog.SettingNotApplicable,
                $"InputSize {setting}: {path} needs sides that are multiples of its largest stride ({stride})");
        return setting.Kind == InputSizeKind.Dynamic ? InputGeometry.PerImage(width, stride) : InputGeometry.Fixed(width, height);
    }
}
