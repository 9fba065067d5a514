using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Core.Graph;

/// <summary>The yaml layer being built: its resolved arguments (as parse_model evaluates them) and the
/// checks that turn a disagreement between checkpoint and architecture into a message naming the layer.</summary>
internal sealed class LayerContext
{
    private readonly ISet<string> _usedTensors;

    /// <param name="usedTensors">Collects the name of every checkpoint tensor the layer reads.</param>
    public LayerContext(YoloCheckpoint checkpoint, LayerSpec spec, ISet<string> usedTensors)
    {
        _usedTensors = usedTensors;
        Checkpoint = checkpoint;
        Spec = spec;
        Path = $"model.{spec.Index}";
        Args = spec.Args.Select(a => Evaluate(a, checkpoint.Architecture)).ToList();
    }

    public YoloCheckpoint Checkpoint { get; }

    public LayerSpec Spec { get; }

    /// <summary>model.i</summary>
    public string Path { get; }

    /// <summary>The yaml args with 'nc', 'anchors', 'None', 'True', 'False' evaluated, as parse_model's eval does.</summary>
    public IReadOnlyList<object?> Args { get; }

    public YoloGraphException Fail(string problem, Exception? inner = null) =>
        new($"Checkpoint '{Checkpoint.SourcePath}', layer {Spec.Index} {Spec}: {problem}", Spec.Index, inner);

    /// <summary>The yaml names a module this tool cannot rebuild (YC0016).</summary>
    public YoloGraphException Unsupported(string problem) =>
        new($"Checkpoint '{Checkpoint.SourcePath}', layer {Spec.Index} {Spec}: {problem}", Spec.Index, null,
            Diagnostics.DiagnosticCatalog.UnsupportedModule);

    public CheckpointModule Module(string path) =>
        Checkpoint.FindModule(path) ?? throw Fail($"the checkpoint has no module '{path}'.");

    /// <summary>The module at <paramref name="path"/>, checked to be of the Python class <paramref name="className"/>.</summary>
    public CheckpointModule Module(string path, string className)
    {
        var module = Module(path);
        if (module.ClassName != className)
            throw Fail($"module '{path}' is {module.TypeName} in the checkpoint, but the architecture implies {className}.");
        return module;
    }

    /// <summary>The tensor at <paramref name="name"/>, checked to have the shape the architecture implies.</summary>
    public CheckpointTensor Tensor(string name, params int[] expected)
    {
        var tensor = Checkpoint.FindTensor(name) ?? throw Fail($"the checkpoint has no tensor '{name}' (expected shape {CheckpointTensor.FormatShape(expected)}).");
        if (!tensor.HasShape(expected))
            throw Fail($"tensor '{name}' has shape {tensor.ShapeText} in the checkpoint, but the architecture implies {CheckpointTensor.FormatShape(expected)}.");
        _usedTensors.Add(name);
        return tensor;
    }

    /// <summary>Reads a module attribute, turning a missing or mistyped attribute into a layer error.</summary>
    public T Attribute<T>(CheckpointModule module, Func<CheckpointModule, T> read)
    {
        try
        {
            return read(module);
        }
        catch (InvalidDataException e)
        {
            throw Fail(e.Message, e);
        }
    }

    public object? Arg(int index) => index < Args.Count ? Args[index] : null;

    public int IntArg(int index, int fallback) => Arg(index) switch
    {
        null => fallback,
        long l => (int)l,
        bool b => b ? 1 : 0,
        var other => throw Fail($"argument {index} should be an integer but is {CheckpointModule.Format(other)}."),
    };

    public double DoubleArg(int index, double fallback) => Arg(index) switch
    {
        null => fallback,
        long l => l,
        double d => d,
        var other => throw Fail($"argument {index} should be a number but is {CheckpointModule.Format(other)}."),
    };

    public bool BoolArg(int index, bool fallback) => Arg(index) switch
    {
        null => fallback,
        bool b => b,
        long l => l != 0,
        var other => throw Fail($"argument {index} should be True or False but is {CheckpointModule.Format(other)}."),
    };

    /// <summary>A kernel size argument: an int, or a (kh, kw) list.</summary>
    public int[] KernelArg(int index, int fallback) => Arg(index) switch
    {
        null => new[] { fallback, fallback },
        long l => new[] { (int)l, (int)l },
        IReadOnlyList<object?> { Count: 2 } list when list.All(v => v is long) => list.Select(v => (int)(long)v!).ToArray(),
        var other => throw Fail($"argument {index} should be a kernel size but is {CheckpointModule.Format(other)}."),
    };

    private static object? Evaluate(object? arg, ModelArchitecture arch) => arg switch
    {
        "nc" => (long)arch.ClassCount,
        "anchors" => arch.Anchors is null ? arch.AnchorsPerLevel : arch.Anchors,
        "None" => null,
        "True" => true,
        "False" => false,
        _ => arg,
    };
}
