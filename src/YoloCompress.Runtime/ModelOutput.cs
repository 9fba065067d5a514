namespace YoloCompress.Runtime;

/// <summary>The raw output of one image: <see cref="Rows"/> rows of <see cref="Columns"/> values
/// (cx, cy, w, h in input pixels, objectness, class probabilities).</summary>
/// <remarks>A view of the detector's buffer: valid until its next run. Copy what you keep.</remarks>
public readonly struct ModelOutput
{
    private readonly float[] _values;

    /// <summary>Wraps <paramref name="values"/> (not copied) as rows of <paramref name="columns"/> values.</summary>
    public ModelOutput(float[] values, int columns)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 6);
        if (values.Length % columns != 0)
            throw new ArgumentException($"{values.Length} values do not make rows of {columns}.", nameof(values));
        _values = values;
        Columns = columns;
    }

    /// <summary>Values per row (5 + classes).</summary>
    public int Columns { get; }

    /// <summary>Number of rows (anchors), 25200 for a 640x640 YOLOv5.</summary>
    public int Rows => Columns == 0 ? 0 : _values.Length / Columns;

    /// <summary>All values, row-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>One row.</summary>
    public ReadOnlySpan<float> Row(int index) => _values.AsSpan(index * Columns, Columns);

    /// <summary>A copy of the values.</summary>
    public float[] ToArray() => (float[])_values.Clone();
}
