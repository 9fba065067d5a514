using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.IO;

namespace YoloCompress.Core.Initialization;

/// <summary>What <see cref="CheckpointInitializer.Write"/> wrote.</summary>
public sealed record InitializedCheckpoint(string Path, string Architecture, int Classes, int Seed, long Parameters, long Bytes, int TrainingImageSize);

/// <summary><c>init</c>: a random-initialised checkpoint of a standard architecture, as ultralytics v7.0's train.py
/// saves one after strip_optimizer (epoch -1, the fp16 DetectionModel under 'model', no EMA or optimizer, the
/// training options), so that every size can be measured without downloading weights. The same architecture,
/// classes and seed give the same bytes.</summary>
public static class CheckpointInitializer
{
    public static InitializedCheckpoint Write(string architecture, string path, int classes = 80, int seed = 0)
    {
        if (classes is < 1 or > 100_000) throw new ArgumentException($"The class count (--classes) must be 1 to 100000, not {classes}.");
        var yaml = StandardArchitectures.Yaml(architecture, classes);
        var arch = ModelArchitecture.FromYaml(yaml);
        int levels = arch.Anchors!.Count;
        var strides = Enumerable.Range(0, levels).Select(l => (float)(8 << l)).ToArray();
        var (layers, save, detect) = RandomYoloModel.Build(arch, strides, seed);
        detect.Set("stride", Tensor(TorchStorageType.Half, strides));

        var names = Enumerable.Range(0, classes).Select(i => (object?)i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        int imageSize = StandardArchitectures.TrainingImageSize(architecture);
        yaml["ch"] = 3L;
        var model = new TorchModule("models.yolo", "DetectionModel")
            .Set("yaml_file", architecture + ".yaml").Set("yaml", yaml).Child("model", layers)
            .Set("save", save).Set("names", names).Set("inplace", true).Set("stride", Tensor(TorchStorageType.Float, strides))
            .Set("nc", (long)classes).Set("hyp", Hyperparameters())
            .Set("class_weights", Tensor(TorchStorageType.Double, Enumerable.Repeat(1f, classes).ToArray()));

        var checkpoint = new Dictionary<object, object?>
        {
            ["epoch"] = -1L,
            ["best_fitness"] = null,
            ["model"] = model,
            ["ema"] = null,
            ["updates"] = null,
            ["optimizer"] = null,
            ["opt"] = new Dictionary<object, object?>
            {
                ["weights"] = "", ["cfg"] = architecture + ".yaml", ["hyp"] = "data/hyps/hyp.scratch-low.yaml", ["epochs"] = 0L,
                ["imgsz"] = (long)imageSize, ["seed"] = (long)seed,
            },
            ["git"] = null,
            ["date"] = null,
        };
        var pickler = new ProtocolTwoPickler();
        var pickle = pickler.Pickle(checkpoint);
        var bytes = TorchArchive.Write(pickle, pickler.Storages);
        AtomicFile.WriteAllBytes(path, bytes);
        return new InitializedCheckpoint(path, architecture, classes, seed, layers.ParameterCount, bytes.Length, imageSize);
    }

    private static TorchTensor Tensor(TorchStorageType type, float[] values) => new(type, new[] { values.Length }, values);

    /// <summary>data/hyps/hyp.scratch-low.yaml, which train.py stores on the model.</summary>
    private static Dictionary<object, object?> Hyperparameters() => new()
    {
        ["lr0"] = 0.01, ["lrf"] = 0.01, ["momentum"] = 0.937, ["weight_decay"] = 0.0005, ["warmup_epochs"] = 3.0,
        ["warmup_momentum"] = 0.8, ["warmup_bias_lr"] = 0.1, ["box"] = 0.05, ["cls"] = 0.5, ["cls_pw"] = 1.0, ["obj"] = 1.0,
        ["obj_pw"] = 1.0, ["iou_t"] = 0.2, ["anchor_t"] = 4.0, ["fl_gamma"] = 0.0, ["hsv_h"] = 0.015, ["hsv_s"] = 0.7,
        ["hsv_v"] = 0.4, ["degrees"] = 0.0, ["translate"] = 0.1, ["scale"] = 0.5, ["shear"] = 0.0, ["perspective"] = 0.0,
        ["flipud"] = 0.0, ["fliplr"] = 0.5, ["mosaic"] = 1.0, ["mixup"] = 0.0, ["copy_paste"] = 0.0,
    };
}
