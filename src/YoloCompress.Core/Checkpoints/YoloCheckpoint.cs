namespace YoloCompress.Core.Checkpoints;

/// <summary>A YOLOv5 model read from an ultralytics <c>.pt</c> checkpoint: its architecture, class names,
/// strides, module tree and every parameter and buffer as float32. Immutable; edit with <c>with</c>.</summary>
/// <param name="SourcePath">The file it was read from.</param>
/// <param name="SourceKey">"ema" when the EMA weights were present and taken, else "model".</param>
/// <param name="Architecture">The model's yaml.</param>
/// <param name="Names">Class names by class id.</param>
/// <param name="Strides">Detection level strides (8, 16, 32 for P3-P5).</param>
/// <param name="Root">The model module (<c>models.yolo.Model</c>); its child "model" is the layer Sequential.</param>
/// <param name="Tensors">Parameters and buffers by full path (<c>model.0.conv.weight</c>), in natural path order.</param>
public sealed record YoloCheckpoint(
    string SourcePath,
    string SourceKey,
    ModelArchitecture Architecture,
    IReadOnlyList<string> Names,
    IReadOnlyList<float> Strides,
    CheckpointModule Root,
    IReadOnlyDictionary<string, CheckpointTensor> Tensors)
{
    /// <summary>The training image size the checkpoint records (<c>opt['imgsz']</c>, or the first of older
    /// checkpoints' <c>opt['img_size']</c>), or null when it records none (released weights are stripped of it).</summary>
    public int? TrainingImageSize { get; init; }

    /// <summary>The square input the model is built for when no size is asked for: the recorded training size
    /// rounded up to a multiple of the largest stride; else 1280 for P6/P7 models (largest stride 64 or more,
    /// which ultralytics trains at 1280) and 640 for the rest.</summary>
    public int DefaultInputSize
    {
        get
        {
            int maxStride = Math.Max(1, (int)Math.Round(Strides.Count > 0 ? Strides.Max() : 32));
            if (TrainingImageSize is > 0 and var size) return (size + maxStride - 1) / maxStride * maxStride;
            return maxStride >= 64 ? 1280 : 640;
        }
    }

    /// <summary>The tensor at <paramref name="name"/>; throws naming the checkpoint when it is absent.</summary>
    public CheckpointTensor Tensor(string name) =>
        Tensors.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"Checkpoint '{SourcePath}' has no tensor '{name}'.");

    public CheckpointTensor? FindTensor(string name) => Tensors.GetValueOrDefault(name);

    /// <summary>The module at a path from the model (<c>model.3.conv</c>), or null.</summary>
    public CheckpointModule? FindModule(string path) => path.Length == 0 ? Root : Root.Find(path);

    /// <summary>The module at a path; throws naming the checkpoint when it is absent.</summary>
    public CheckpointModule Module(string path) =>
        FindModule(path) ?? throw new InvalidDataException($"Checkpoint '{SourcePath}' has no module '{path}'.");

    /// <summary>Elements of all parameters (not buffers such as BatchNorm statistics or anchors): the count
    /// torch's <c>model.info()</c> reports for the unfused model (yolov5n: 1,872,157).</summary>
    public long ParameterCount => Root.SelfAndDescendants()
        .SelectMany(m => m.ParameterNames.Select(n => m.Path.Length == 0 ? n : m.Path + "." + n))
        .Sum(name => Tensors.TryGetValue(name, out var t) ? t.ElementCount : 0);
}
