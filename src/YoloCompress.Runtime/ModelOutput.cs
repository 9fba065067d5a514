namespace YoloCompress.Runtime;

/// <summary>The raw output of one image: <see cref="Rows"/> rows of <see cref="Columns"/> values
/// (cx, cy, w, h in input pixels, objectness, class probabilities).</summary>
/// <remarks>A view of the detector's buffer: valid until its next run. Copy what you keep.</remarks>
public readonly struct ModelOutput
{
    private readonly float[] _values;

    /// <summary>Wraps <paramref name="values"/> (not copied) as rows of <paramref name="columns"/> values.</summary>
    public ModelOutput(float[] values, int columns)
        : this(values, (values ?? throw new ArgumentNullException(nameof(values))).Length / Math.Max(columns, 1), columns)
    {
        if (values.Length % columns != 0)
            throw new ArgumentException($"{values.Length} values do not make rows of {columns}.", nameof(values));
    }

    /// <summary>Wraps the first <paramref name="rows"/> rows of <paramref name="values"/> (not copied): a buffer
    /// sized for the largest input of a model whose output rows depend on the input shape.</summary>
    public ModelOutput(float[] values, int rows, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 6);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if ((long)rows * columns > values.Length)
            throw new ArgumentException($"{values.Length} values hold fewer than {rows} rows of {columns}.", nameof(values));
        _values = values;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Values per row (5 + classes).</summary>
    public int Columns { get; }

    /// <summary>Number of rows (anchors), 25200 for a 640x640 YOLOv5.</summary>
    public int Rows { get; }

    /// <summary>All values, row-major.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Rows * Columns);

    /// <summary>One row.</summary>
    public ReadOnlySpan<float> Row(int index) => Values.Slice(index * Columns, Columns);

    /// <summary>A copy of the values.</summary>
    public float[] ToArray() => Values.ToArray();
}
