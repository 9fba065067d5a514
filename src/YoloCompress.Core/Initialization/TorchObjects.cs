namespace YoloCompress.Core.Initialization;

/// <summary>The storage classes torch pickles a tensor's data as (torch.HalfStorage...), with their element size.</summary>
public enum TorchStorageType
{
    Half,
    Float,
    Double,
    Long,
}

/// <summary>A contiguous tensor to pickle: its values (stored as <see cref="Storage"/> on write) and shape.</summary>
public sealed class TorchTensor
{
    public TorchTensor(TorchStorageType storage, int[] shape, float[] values)
    {
        if (shape.Aggregate(1L, (a, b) => a * b) != values.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] does not hold {values.Length} values.", nameof(shape));
        Storage = storage;
        Shape = shape;
        Values = values;
    }

    public TorchStorageType Storage { get; }
    public int[] Shape { get; }
    public float[] Values { get; }

    /// <summary>Pickled as an nn.Parameter (<c>torch._utils._rebuild_parameter</c>) rather than a plain tensor.</summary>
    public bool IsParameter { get; init; }

    public TorchTensor AsParameter() => new(Storage, Shape, Values) { IsParameter = true };
}

/// <summary>A torch.nn.Module instance as pickled: its class and the __dict__ that nn.Module keeps (hooks,
/// _parameters, _buffers, _modules) followed by the module's own attributes, in the order they were set.</summary>
public sealed class TorchModule
{
    public TorchModule(string pythonModule, string className)
    {
        PythonModule = pythonModule;
        ClassName = className;
    }

    public string PythonModule { get; }
    public string ClassName { get; }

    /// <summary>"models.common.Conv": what parse_model stores as a layer's <c>type</c>.</summary>
    public string QualifiedName => PythonModule + "." + ClassName;

    /// <summary>Parameters by name; a null value is a declared but absent parameter (Conv2d's bias=False).</summary>
    public List<(string Name, TorchTensor? Tensor)> Parameters { get; } = new();
    public List<(string Name, TorchTensor Tensor)> Buffers { get; } = new();
    public List<(string Name, TorchModule Module)> Children { get; } = new();

    /// <summary>Plain attributes (ints, floats, strings, tuples as object?[], lists, dictionaries, tensors).</summary>
    public List<(string Name, object? Value)> Attributes { get; } = new();

    public TorchModule Child(string name, TorchModule module)
    {
        Children.Add((name, module));
        return this;
    }

    public TorchModule Set(string name, object? value)
    {
        Attributes.Add((name, value));
        return this;
    }

    /// <summary>Elements of the parameters of this module and its children (parse_model's <c>np</c>).</summary>
    public long ParameterCount =>
        Parameters.Sum(p => p.Tensor?.Values.LongLength ?? 0) + Children.Sum(c => c.Module.ParameterCount);
}

/// <summary>A Python tuple (a C# array would read as a list).</summary>
public sealed record PyTuple(params object?[] Items);
