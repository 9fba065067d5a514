using System.Globalization;
using System.Text;

namespace YoloCompress.Runtime;

/// <summary>Reads the class names the reference exporter stores in the ONNX metadata
/// (<c>names</c>: a Python dict repr such as <c>{0: 'person', 1: 'bicycle'}</c>; a Python list
/// <c>['person', 'bicycle']</c> is accepted too).</summary>
public static class ClassNames
{
    /// <summary>The names for <paramref name="classCount"/> classes; a class without a name in
    /// <paramref name="metadata"/> (or when it is null or unreadable) is called "class N".</summary>
    public static string[] Resolve(string? metadata, int classCount)
    {
        var names = new string[classCount];
        var parsed = metadata is null ? null : TryParse(metadata);
        for (int i = 0; i < classCount; i++)
            names[i] = parsed is not null && parsed.TryGetValue(i, out var n) ? n : "class " + i.ToString(CultureInfo.InvariantCulture);
        return names;
    }

    /// <summary>Parses a Python dict (int keys) or list of strings; null when the text is not one.</summary>
    public static IReadOnlyDictionary<int, string>? TryParse(string text)
    {
        try
        {
            return Parse(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Parses a Python dict (int keys) or list of strings.</summary>
    /// <exception cref="FormatException">The text is neither.</exception>
    public static IReadOnlyDictionary<int, string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var reader = new Reader(text);
        var result = new SortedDictionary<int, string>();
        reader.SkipSpace();
        char open = reader.Next();
        if (open is not ('{' or '['))
            throw new FormatException($"Class names must be a Python dict or list, got: {Abbreviate(text)}");
        char close = open == '{' ? '}' : ']';
        int index = 0;
        reader.SkipSpace();
        if (reader.Peek() == close)
        {
            reader.Next();
            return result;
        }
        while (true)
        {
            int key = index;
            if (open == '{')
            {
                key = reader.ReadInt();
                reader.Expect(':');
            }
            result[key] = reader.ReadString();
            index++;
            reader.SkipSpace();
            char c = reader.Next();
            if (c == close)
                break;
            if (c != ',')
                throw new FormatException($"Expected ',' or '{close}' at position {reader.Position - 1} in class names: {Abbreviate(text)}");
            reader.SkipSpace();
            if (reader.Peek() == close) // trailing comma
            {
                reader.Next();
                break;
            }
        }
        return result;
    }

    private static string Abbreviate(string text) => text.Length <= 80 ? text : text[..80] + "...";

    private sealed class Reader(string text)
    {
        public int Position { get; private set; }

        public char Peek() => Position < text.Length ? text[Position] : '\0';

        public char Next() => Position < text.Length ? text[Position++] : throw new FormatException("Class names end too early: " + Abbreviate(text));

        public void SkipSpace()
        {
            while (Position < text.Length && char.IsWhiteSpace(text[Position]))
                Position++;
        }

        public void Expect(char c)
        {
            SkipSpace();
            if (Next() != c)
                throw new FormatException($"Expected '{c}' at position {Position - 1} in class names: {Abbreviate(text)}");
        }

        public int ReadInt()
        {
            SkipSpace();
            int start = Position;
            if (Peek() == '-') Position++;
            while (char.IsAsciiDigit(Peek())) Position++;
            if (!int.TryParse(text.AsSpan(start, Position - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
                throw new FormatException($"Expected a class index at position {start} in class names: {Abbreviate(text)}");
            return value;
        }

        private int ReadHex(int digits)
        {
            if (Position + digits > text.Length
                || !int.TryParse(text.AsSpan(Position, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                throw new FormatException($"Bad escape at position {Position} in class names: {Abbreviate(text)}");
            Position += digits;
            return code;
        }

        public string ReadString()
        {
            SkipSpace();
            char quote = Next();
            if (quote is not ('\'' or '"'))
                throw new FormatException($"Expected a quoted name at position {Position - 1} in class names: {Abbreviate(text)}");
            var sb = new StringBuilder();
            while (true)
            {
                char c = Next();
                if (c == quote)
                    return sb.ToString();
                if (c == '\\')
                {
                    char e = Next();
                    switch (e)
                    {
                        case 'n': sb.Append('\n'); break;
                        case 't': sb.Append('\t'); break;
                        case 'r': sb.Append('\r'); break;
                        case 'x': sb.Append((char)ReadHex(2)); break;
                        case 'u': sb.Append((char)ReadHex(4)); break;
                        case 'U': sb.Append(char.ConvertFromUtf32(ReadHex(8))); break;
                        default: sb.Append(e); break; // \\, \', \"
                    }
                }
                else
                {
                    sb.Append(c);
                }
            }
        }
    }
}
