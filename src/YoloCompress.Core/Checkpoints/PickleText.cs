using System.Globalization;
using System.Text;

namespace YoloCompress.Core.Checkpoints;

/// <summary>The text encodings of pickle strings: UTF-8 (protocol 1+), Python 2 quoted reprs (S) and
/// raw-unicode-escape (V).</summary>
internal static class PickleText
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    public static string Utf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new PickleFormatException("a string is not valid UTF-8.");
        }
    }

    /// <summary>S's argument: a Python 2 string repr, 'text' or "text", with backslash escapes.</summary>
    public static string Quoted(string repr)
    {
        if (repr.Length < 2 || repr[0] != repr[^1] || repr[0] is not ('\'' or '"'))
            throw new PickleFormatException($"STRING argument {PickleInput.Shorten(repr)} is not quoted.");
        var body = repr[1..^1];
        var text = new StringBuilder(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c != '\\' || i + 1 == body.Length) { text.Append(c); continue; }
            char e = body[++i];
            switch (e)
            {
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'a': text.Append('\a'); break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'v': text.Append('\v'); break;
                case 'x' when IsHex(body, i + 1, 2):
                    text.Append((char)int.Parse(body.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case >= '0' and <= '7':
                    int end = i;
                    while (end < body.Length && end - i < 3 && body[end] is >= '0' and <= '7') end++;
                    text.Append((char)(Convert.ToInt32(body[i..end], 8) & 0xff));
                    i = end - 1;
                    break;
                default: text.Append(e); break; // \\, \', \" and unknown escapes keep the character
            }
        }
        return text.ToString();
    }

    /// <summary>V's argument: Latin-1 text in which \uXXXX and \UXXXXXXXX stand for other characters.</summary>
    public static string RawUnicodeEscape(string line)
    {
        var text = new StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            int width = line[i] == '\\' && i + 1 < line.Length ? line[i + 1] switch { 'u' => 4, 'U' => 8, _ => 0 } : 0;
            if (width == 0 || !IsHex(line, i + 2, width)) { text.Append(line[i]); continue; }
            int code = int.Parse(line.AsSpan(i + 2, width), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (code is < 0 or > 0x10FFFF || (code is >= 0xD800 and <= 0xDFFF && width == 8))
                throw new PickleFormatException($"\\U{code:x8} is not a character.");
            text.Append(code < 0x10000 ? ((char)code).ToString() : char.ConvertFromUtf32(code));
            i += 1 + width;
        }
        return text.ToString();
    }

    private static bool IsHex(string s, int start, int count) =>
        start + count <= s.Length && s.AsSpan(start, count).IndexOfAnyExcept("0123456789abcdefABCDEF") < 0;
}
