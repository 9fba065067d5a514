using System.IO.Compression;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Checkpoints;

/// <summary>PyTorch files that are not a YOLOv5 training checkpoint get one coded line (YC0051) saying what
/// the file is and what to bring instead.</summary>
public sealed class NotYolov5CheckpointTests : IDisposable
{
    private readonly string _dir = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (string, byte[]) Storage0 => ("0", CheckpointArchive.Entry(TestData.Yolov5n, "archive/data/0"));

    private string StateDict(string name, Func<PickleWriter, PickleWriter> wrap)
    {
        var w = new PickleWriter().Proto(2);
        wrap(w).Stop();
        return CheckpointArchive.Create(Path.Combine(_dir, name), w.ToArray(), Storage0);
    }

    private static PickleWriter Weights(PickleWriter w) =>
        w.OrderedDict(("model.0.conv.weight", x => x.Tensor("HalfStorage", "0", 1728, new long[] { 16, 3, 6, 6 })));

    [Fact]
    public void A_bare_state_dict_asks_for_the_training_checkpoint()
    {
        var path = StateDict("weights.pt", Weights);
        var e = AssertNotYolov5(path, "the file is a state_dict: 1 tensors by name (e.g. 'model.0.conv.weight') without the architecture");
        Assert.Contains("best.pt or last.pt that YOLOv5's train.py writes", e.Message);
    }

    [Fact]
    public void A_state_dict_under_model_or_state_dict_is_named_as_such()
    {
        AssertNotYolov5(StateDict("model-sd.pt", w => Weights(w.EmptyDict().Str("model")).SetItem()), "'model' is a state_dict");
        AssertNotYolov5(StateDict("sd.pt", w => Weights(w.EmptyDict().Str("state_dict")).SetItem()), "'state_dict' is a state_dict");
    }

    [Fact]
    public void Another_network_is_named_by_its_class()
    {
        var w = new PickleWriter().Proto(2).EmptyDict().Mark()
            .Entry("epoch", x => x.Int(90))
            .Entry("model", x => x.Object("torchvision.models.resnet", "ResNet",
                ("training", y => y.Bool(false)),
                ("_parameters", y => y.OrderedDict()),
                ("_modules", y => y.OrderedDict(("conv1", z => z.Object("torch.nn.modules.conv", "Conv2d", ("_parameters", q => q.OrderedDict())))))))
            .SetItems().Stop();
        var path = CheckpointArchive.Create(Path.Combine(_dir, "resnet.pt"), w.ToArray());
        AssertNotYolov5(path, "the model is a torchvision.models.resnet.ResNet, not a YOLOv5 model");
    }

    [Fact]
    public void An_ultralytics_package_model_is_called_yolov8_and_later()
    {
        static Action<PickleWriter> Layer(string module, string name) => x => x.Object(module, name, ("_modules", y => y.OrderedDict()));
        var w = new PickleWriter().Proto(2).EmptyDict().Mark()
            .Entry("model", x => x.Object("ultralytics.nn.tasks", "DetectionModel",
                ("yaml", y => y.EmptyDict().Mark().Entry("nc", z => z.Int(80)).Entry("backbone", z => z.EmptyList()).SetItems()),
                ("_modules", y => y.OrderedDict(("model", z => z.Object("torch.nn.modules.container", "Sequential",
                    ("_modules", q => q.OrderedDict(
                        ("0", Layer("ultralytics.nn.modules.conv", "Conv")),
                        ("1", Layer("ultralytics.nn.modules.block", "C2f")),
                        ("2", Layer("ultralytics.nn.modules.block", "SPPF")),
                        ("3", Layer("ultralytics.nn.modules.head", "Detect"))))))))))
            .Entry("train_args", x => x.EmptyDict())
            .SetItems().Stop();
        var path = CheckpointArchive.Create(Path.Combine(_dir, "yolov8n.pt"), w.ToArray());
        var e = AssertNotYolov5(path, "a model of the separate 'ultralytics' package (YOLOv8 and later, or YOLOv5u): ultralytics.nn.tasks.DetectionModel with C2f, SPPF, Detect blocks, not YOLOv5");
        Assert.DoesNotContain("IObjectConstructor", e.Message);
    }

    [Fact]
    public void A_torchscript_export_is_not_a_training_checkpoint()
    {
        var path = CheckpointArchive.Rewrite(TestData.Yolov5n, Path.Combine(_dir, "yolov5n.torchscript"), (_, data) => data,
            ("archive/constants.pkl", new PickleWriter().Proto(2).Tuple(0).Stop().ToArray()));
        AssertNotYolov5(path, "a TorchScript model");
    }

    [Fact]
    public void The_cli_prints_one_coded_line_without_a_stack_trace()
    {
        var path = StateDict("weights.pt", Weights);
        var r = CliProcess.Run("inspect", path);
        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error YC0051: Checkpoint '", line);
        Assert.Contains("state_dict", line);
        Assert.DoesNotContain("   at ", r.StdErr);
    }

    private static CheckpointFormatException AssertNotYolov5(string path, string expected)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Read(path));
        Assert.Equal("YC0051", e.Code);
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }
}
