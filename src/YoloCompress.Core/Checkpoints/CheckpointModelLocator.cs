namespace YoloCompress.Core.Checkpoints;

/// <summary>Finds the YOLOv5 model in an unpickled checkpoint, or says in one line what the file holds instead:
/// a bare state_dict, another network (named by its class), a model of the separate <c>ultralytics</c> package
/// (YOLOv8 and later), or no model at all.</summary>
internal static class CheckpointModelLocator
{
    private const string TrainingCheckpoint = "YoloCompress needs the training checkpoint (the best.pt or last.pt that YOLOv5's train.py writes), which holds the whole model";

    public static (string Key, PickleObject Model) Locate(string path, object? root)
    {
        switch (root)
        {
            case PickleDict dict:
                foreach (var key in new[] { "ema", "model" })
                {
                    var value = dict.GetValueOrDefault(key);
                    if (value is null) continue;
                    if (value is PickleObject m && m.HasAttribute("_modules")) return (key, Check(path, m));
                    if (value is PickleDict inner && IsStateDict(inner)) throw StateDict(path, inner, $"'{key}' is");
                    throw new CheckpointFormatException(path, $"'{key}' is {PickleValues.Describe(value)}, not a pickled nn.Module.", kind: CheckpointFormatException.NotYolov5);
                }
                foreach (var key in new[] { "state_dict", "model_state_dict" })
                    if (dict.GetValueOrDefault(key) is PickleDict inner && IsStateDict(inner))
                        throw StateDict(path, inner, $"'{key}' is");
                if (IsStateDict(dict)) throw StateDict(path, dict, "the file is");
                throw new CheckpointFormatException(path, $"the checkpoint holds no model: neither 'ema' nor 'model' is set (keys: {Keys(dict)}).",
                    kind: CheckpointFormatException.NotYolov5);
            case PickleObject m when m.HasAttribute("_modules"):
                return ("model", Check(path, m)); // torch.save(model) without the training dict
            default:
                throw new CheckpointFormatException(path, $"the pickle holds {PickleValues.Describe(root)}, not a checkpoint dictionary.",
                    kind: CheckpointFormatException.NotYolov5);
        }
    }

    /// <summary>A YOLOv5 model carries its architecture as a <c>yaml</c> dictionary; ultralytics-package
    /// models carry one too, so they are told apart by their classes' Python modules.</summary>
    private static PickleObject Check(string path, PickleObject model)
    {
        if (model.Module.StartsWith("ultralytics", StringComparison.Ordinal))
        {
            var blocks = LayerClasses(model).Where(c => !c.Contains("Conv", StringComparison.Ordinal)).Distinct().Take(3).ToList();
            throw new CheckpointFormatException(path,
                $"a model of the separate 'ultralytics' package (YOLOv8 and later, or YOLOv5u): {model.FullName}" +
                (blocks.Count > 0 ? $" with {string.Join(", ", blocks)} blocks" : "") +
                ", not YOLOv5. YoloCompress reads YOLOv5 checkpoints (github.com/ultralytics/yolov5, models.yolo.DetectionModel).",
                kind: CheckpointFormatException.NotYolov5);
        }
        if (model.Attributes.GetValueOrDefault("yaml") is PickleDict || model.Module.StartsWith("models.", StringComparison.Ordinal))
            return model; // a missing or malformed yaml in a YOLOv5 class is a damaged file, reported by the converter
        throw new CheckpointFormatException(path,
            $"the model is a {model.FullName}, not a YOLOv5 model: it has no 'yaml' architecture. {TrainingCheckpoint}.",
            kind: CheckpointFormatException.NotYolov5);
    }

    /// <summary>The classes of the layer Sequential's children (model.model.0, model.model.1...).</summary>
    private static IEnumerable<string> LayerClasses(PickleObject model)
    {
        if (model.Attributes.GetValueOrDefault("_modules") is not PickleDict modules) yield break;
        if (modules.GetValueOrDefault("model") is not PickleObject sequential) yield break;
        if (sequential.Attributes.GetValueOrDefault("_modules") is not PickleDict layers) yield break;
        foreach (var (_, layer) in layers.Entries.Take(1000))
            if (layer is PickleObject o) yield return o.Name;
    }

    private static bool IsStateDict(PickleDict dict) =>
        dict.Entries.Any(e => e.Value is PickledTensor) && dict.Entries.All(e => e.Value is PickledTensor or null);

    private static CheckpointFormatException StateDict(string path, PickleDict dict, string what)
    {
        var first = dict.Entries.Select(e => e.Key).OfType<string>().FirstOrDefault();
        return new CheckpointFormatException(path,
            $"{what} a state_dict: {dict.Count} tensors by name{(first is null ? "" : $" (e.g. '{PickleInput.Shorten(first)}')")} without the architecture " +
            $"that builds the network from them. {TrainingCheckpoint}.", kind: CheckpointFormatException.NotYolov5);
    }

    private static string Keys(PickleDict dict)
    {
        var keys = dict.Entries.Select(e => PickleValues.Describe(e.Key)).Take(20).Order(StringComparer.Ordinal).ToList();
        return string.Join(", ", keys) + (dict.Count > 20 ? ", ..." : "");
    }
}
