using Google.Protobuf;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Checkpoints;

/// <summary>Real training checkpoints carry metadata of every kind beside the model (numpy arrays and scalars,
/// paths, devices, dataclasses, argparse namespaces...). Each must read as inert data, the model must load
/// and build exactly as without it, and nothing the pickle names may run.</summary>
public sealed class CheckpointContentsTests : IDisposable
{
    private readonly string _dir = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Marker => Path.Combine(_dir, "pwned");

    /// <summary>What train.py's best.pt holds beside the model, as the pickler writes it.</summary>
    private void TrainingMetadata(PickleWriter w)
    {
        w.Entry("best_fitness", x => x.NumpyArray(new[] { 0.3745 }))
            .Entry("fitness_scalar", x => x.NumpyScalar(0.5))
            .Entry("opt", x => x.EmptyDict().Mark()
                .Entry("weights", y => y.Global("pathlib", "PosixPath").Str("yolov5n.pt").Tuple(1).Reduce())
                .Entry("project", y => y.Global("pathlib", "WindowsPath").Str("C:\\").Str("runs").Str("train").Tuple(3).Reduce())
                .Entry("device", y => y.Global("torch", "device").Str("cuda").Int(0).Tuple(2).Reduce())
                .Entry("imgsz", y => y.Int(640))
                .SetItems())
            .Entry("train_args", x => x.Object("argparse", "Namespace", ("epochs", y => y.Int(300)), ("cache", y => y.None())))
            // A dataclass with __slots__: state is (None, {slot: value}).
            .Entry("metrics", x => x.Global("utils.metrics", "Metric").Tuple(0).NewObj()
                .None().EmptyDict().Mark().Entry("map50", y => y.Float(0.5)).SetItems().Tuple(2).Build())
            .Entry("input_shape", x => x.Global("torch", "Size").Mark().Int(1).Int(3).Int(640).Int(640).TupleFromMark().Tuple(1).Reduce())
            .Entry("extra_weights", x => x.OrderedDict(("w", y => y.Global("torch._utils", "_rebuild_parameter")
                .Tensor("FloatStorage", "extra", 4, new long[] { 2, 2 }).Bool(true).OrderedDict().Tuple(3).Reduce())))
            // Protocol 4 and protocol 0/1 spellings of the same kinds of object.
            .Entry("protocol4", x => x.StackGlobal("experiment.config", "Settings").Tuple(0).EmptyDict().NewObjEx()
                .EmptyDict().Mark().Entry("lr", y => y.Float(0.01)).SetItems().Build())
            .Entry("inst", x => x.Mark().Str("a").Int(2).Inst("legacy.module", "Thing"))
            .Entry("obj", x => x.Mark().Global("legacy.module", "Other").Int(7).ObjOp())
            .Entry("copyreg", x => x.Global("copy_reg", "_reconstructor").Global("legacy.module", "Old").Global("__builtin__", "object").None().Tuple(3).Reduce())
            // Calls a hostile pickle asks for: recorded, never made.
            .Entry("system", x => x.Global("os", "system").Str($"touch {Marker}").Tuple(1).Reduce())
            .Entry("eval", x => x.Global("builtins", "eval").Str($"open('{Marker}', 'w')").Tuple(1).Reduce())
            .Entry("popen", x => x.Global("subprocess", "Popen").EmptyList().Str("touch").Append().Str(Marker).Append().Tuple(1).Reduce())
            .Entry("exec", x => x.StackGlobal("builtins", "exec").Str($"open('{Marker}', 'w')").Tuple(1).Reduce());
    }

    private static readonly (string, byte[]) ExtraStorage = ("archive/data/extra", new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray());

    [Fact]
    public void A_checkpoint_with_training_metadata_of_every_kind_loads_and_builds_the_same_model()
    {
        var path = CheckpointArchive.WithExtraEntries(Path.Combine(_dir, "best.pt"), TrainingMetadata, ExtraStorage);

        var original = CheckpointReader.Read(TestData.Yolov5n);
        var ckpt = CheckpointReader.Read(path);

        Assert.False(File.Exists(Marker));
        Assert.Equal(original.Names, ckpt.Names);
        Assert.Equal(original.Architecture.Layers.Select(l => l.ToString()), ckpt.Architecture.Layers.Select(l => l.ToString()));
        Assert.Equal(original.Tensors.Keys, ckpt.Tensors.Keys);
        Assert.All(original.Tensors, t => Assert.Equal(t.Value.Data, ckpt.Tensors[t.Key].Data));
        Assert.Equal(YoloGraphBuilder.Build(original).ToByteArray(), YoloGraphBuilder.Build(ckpt).ToByteArray());
    }

    [Fact]
    public void Training_metadata_reads_as_inert_objects_recording_class_arguments_and_state()
    {
        var path = CheckpointArchive.WithExtraEntries(Path.Combine(_dir, "best.pt"), TrainingMetadata, ExtraStorage);
        using var archive = StorageArchive.Open(path);
        var root = Assert.IsType<PickleDict>(PickleMachine.Load(archive.ReadPickle(), pid => StorageRef.FromPersistentId(archive, pid)));

        var array = Assert.IsType<PickleObject>(root.GetValueOrDefault("best_fitness"));
        Assert.Equal("numpy.core.multiarray._reconstruct", array.FullName);
        Assert.Equal("numpy.ndarray", Assert.IsType<PickleGlobal>(array.Args[0]).FullName);
        var state = Assert.IsType<object?[]>(array.State);
        Assert.Equal(new object?[] { 1L }, Assert.IsType<object?[]>(state[1]));
        var dtype = Assert.IsType<PickleObject>(state[2]);
        Assert.Equal("numpy.dtype", dtype.FullName);
        Assert.Equal("f8", dtype.Args[0]);
        Assert.Equal(0.3745, BitConverter.ToDouble(Assert.IsType<byte[]>(state[4])));

        var scalar = Assert.IsType<PickleObject>(root.GetValueOrDefault("fitness_scalar"));
        Assert.Equal("numpy.core.multiarray.scalar", scalar.FullName);
        Assert.Equal(0.5, BitConverter.ToDouble(Assert.IsType<byte[]>(scalar.Args[1])));

        var opt = Assert.IsType<PickleDict>(root.GetValueOrDefault("opt"));
        var weights = Assert.IsType<PickleObject>(opt.GetValueOrDefault("weights"));
        Assert.Equal(("pathlib.PosixPath", "yolov5n.pt"), (weights.FullName, weights.Args[0]));
        Assert.Equal(new object?[] { "C:\\", "runs", "train" }, Assert.IsType<PickleObject>(opt.GetValueOrDefault("project")).Args);
        Assert.Equal(new object?[] { "cuda", 0L }, Assert.IsType<PickleObject>(opt.GetValueOrDefault("device")).Args);

        var args = Assert.IsType<PickleObject>(root.GetValueOrDefault("train_args"));
        Assert.Equal("argparse.Namespace", args.FullName);
        Assert.Equal(300L, args.Attributes.GetValueOrDefault("epochs"));
        Assert.Equal(0.5, Assert.IsType<PickleObject>(root.GetValueOrDefault("metrics")).Attributes.GetValueOrDefault("map50"));
        Assert.Equal(new object?[] { 1L, 3L, 640L, 640L }, root.GetValueOrDefault("input_shape"));
        var parameter = Assert.IsType<PickleDict>(root.GetValueOrDefault("extra_weights")).GetValueOrDefault("w");
        Assert.Equal(new long[] { 2, 2 }, Assert.IsType<PickledTensor>(parameter).Size);
        Assert.Equal(0.01, Assert.IsType<PickleObject>(root.GetValueOrDefault("protocol4")).Attributes.GetValueOrDefault("lr"));
        Assert.Equal(new object?[] { "a", 2L }, Assert.IsType<PickleObject>(root.GetValueOrDefault("inst")).Args);
        Assert.Equal(("legacy.module.Other", 7L), (Assert.IsType<PickleObject>(root.GetValueOrDefault("obj")).FullName, Assert.IsType<PickleObject>(root.GetValueOrDefault("obj")).Args[0]));
        Assert.Equal("legacy.module.Old", Assert.IsType<PickleObject>(root.GetValueOrDefault("copyreg")).FullName);

        foreach (var (key, function) in new[] { ("system", "os.system"), ("eval", "builtins.eval"), ("popen", "subprocess.Popen"), ("exec", "builtins.exec") })
            Assert.Equal(function, Assert.IsType<PickleObject>(root.GetValueOrDefault(key)).FullName);
        Assert.False(File.Exists(Marker));
    }

    [Fact]
    public void Metadata_on_the_model_becomes_plain_attributes_with_their_class()
    {
        var path = CheckpointArchive.WithExtraModelAttributes(Path.Combine(_dir, "attributes.pt"), w => w
            .Entry("train_hyp", x => x.EmptyDict().Mark()
                .Entry("data", y => y.Global("pathlib", "PosixPath").Str("data/coco.yaml").Tuple(1).Reduce())
                .Entry("lr0", y => y.NumpyScalar(0.01))
                .SetItems())
            .Entry("device", x => x.Global("torch", "device").Str("cpu").Tuple(1).Reduce())
            .Entry("run", x => x.Global("subprocess", "Popen").Str($"touch {Marker}").Tuple(1).Reduce()));

        var ckpt = CheckpointReader.Read(path);

        var hyp = Assert.IsAssignableFrom<IReadOnlyDictionary<object, object?>>(ckpt.Root.Attribute("train_hyp"));
        var data = Assert.IsAssignableFrom<IReadOnlyDictionary<object, object?>>(hyp["data"]);
        Assert.Equal("pathlib.PosixPath", data["__class__"]);
        Assert.Equal(new object?[] { "data/coco.yaml" }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(data["__args__"]));
        var device = Assert.IsAssignableFrom<IReadOnlyDictionary<object, object?>>(ckpt.Root.Attribute("device"));
        Assert.Equal("torch.device", device["__class__"]);
        Assert.Equal(80, ckpt.Names.Count);
        Assert.Equal(1_872_157, ckpt.ParameterCount);
        Assert.False(File.Exists(Marker));
    }
}
