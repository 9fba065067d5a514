using System.Buffers.Binary;
using System.Text;

namespace YoloCompress.Core.Checkpoints;

/// <summary>A pickle that cannot be read: truncated, malformed, or using a feature a checkpoint never needs.
/// The reader turns it into a <see cref="CheckpointFormatException"/> naming the file.</summary>
internal sealed class PickleFormatException(string message) : Exception(message);

/// <summary>The pickle's bytes with a read position. Every length the pickle declares is checked against the
/// bytes that remain before anything is allocated, so a hostile length cannot make the reader allocate more
/// than the file holds.</summary>
internal sealed class PickleInput(byte[] bytes)
{
    /// <summary>Python refuses to convert decimal integers longer than this (sys.int_info.str_digits_check_threshold
    /// default), because parsing is quadratic; a checkpoint never writes one.</summary>
    private const int MaxDecimalDigits = 4300;

    private int _position;

    public int Position => _position;

    public bool AtEnd => _position >= bytes.Length;

    public byte ReadByte() => _position < bytes.Length ? bytes[_position++] : throw Truncated(1);

    public ReadOnlySpan<byte> Read(long count)
    {
        if (count < 0 || count > bytes.Length - _position) throw Truncated(count);
        var span = bytes.AsSpan(_position, (int)count);
        _position += (int)count;
        return span;
    }

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Read(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Read(4));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Read(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Read(8));

    public double ReadBigEndianDouble() => BinaryPrimitives.ReadDoubleBigEndian(Read(8));

    /// <summary>A length prefix of <paramref name="width"/> bytes (1, 4 or 8), checked against what remains.</summary>
    public long ReadLength(int width)
    {
        long length = width switch
        {
            1 => ReadByte(),
            4 => ReadUInt32(),
            _ => ReadInt64(),
        };
        if (length < 0 || length > bytes.Length - _position)
            throw new PickleFormatException($"a length of {length} bytes at offset {_position - width} runs past the end of the pickle ({bytes.Length} bytes).");
        return length;
    }

    /// <summary>A protocol 0 text argument: the bytes up to the next newline (excluded).</summary>
    public string ReadLine()
    {
        int end = Array.IndexOf(bytes, (byte)'\n', _position);
        if (end < 0) throw new PickleFormatException($"a text argument at offset {_position} has no end of line.");
        var text = Encoding.Latin1.GetString(bytes, _position, end - _position);
        _position = end + 1;
        return text;
    }

    /// <summary>A decimal integer argument (INT, LONG, GET, PUT), with Python's digit limit.</summary>
    public System.Numerics.BigInteger ReadDecimal(string text)
    {
        var digits = text.EndsWith('L') ? text[..^1] : text; // protocol 0 LONG writes 12L
        if (digits.Length > MaxDecimalDigits)
            throw new PickleFormatException($"an integer of {digits.Length} digits exceeds the {MaxDecimalDigits}-digit limit.");
        if (!System.Numerics.BigInteger.TryParse(digits, System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out var value))
            throw new PickleFormatException($"'{Shorten(text)}' at offset {_position} is not an integer.");
        return value;
    }

    private PickleFormatException Truncated(long wanted) =>
        new($"the pickle ends early: {wanted} more bytes wanted at offset {_position} of {bytes.Length}.");

    public static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
