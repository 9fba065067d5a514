using System.Diagnostics;
using System.Text;
using YoloCompress.Core.Checkpoints;

namespace YoloCompress.Tests.Checkpoints;

/// <summary>The pickle machine on its own: every protocol's spelling of values and objects, and its limits
/// against hostile input (lengths past the end, giant integers, deep nesting, self-reference).</summary>
public class PickleMachineTests
{
    private static object? Load(byte[] pickle) => PickleMachine.Load(pickle, pid => pid);

    private static object? Load(PickleWriter w) => Load(w.ToArray());

    [Fact]
    public void Protocol_0_text_opcodes()
    {
        // {'a': [1, True, 12345678901234567890, 1.5, 'it''s', u'\u00e9'], 'b': legacy.Thing(1), 'c': <memo of 'a'>}
        var text = "(dp0\nVa\np1\n(lp2\nI1\naI01\naL12345678901234567890L\naF1.5\naS'it\\'s'\np3\naV\\u00e9\nasVb\n(I1\nilegacy\nThing\np4\nsVc\ng2\ns.";
        var dict = Assert.IsType<PickleDict>(Load(Encoding.ASCII.GetBytes(text)));
        var list = Assert.IsType<List<object?>>(dict.GetValueOrDefault("a"));
        Assert.Equal("Int64,Boolean,BigInteger,Double,String,String", string.Join(",", list.Select(v => v!.GetType().Name)));
        Assert.Equal(new object?[] { 1L, true, System.Numerics.BigInteger.Parse("12345678901234567890"), 1.5, "it's", "é" }, list.ToArray());
        var thing = Assert.IsType<PickleObject>(dict.GetValueOrDefault("b"));
        Assert.Equal(("legacy.Thing", 1L), (thing.FullName, thing.Args[0]));
        Assert.Same(list, dict.GetValueOrDefault("c"));
    }

    [Fact]
    public void Protocol_4_and_5_opcodes()
    {
        var w = new PickleWriter().Proto(5).Byte(0x95).Raw(new byte[8]) // FRAME
            .EmptyDict().Byte(0x94) // MEMOIZE as 0
            .Mark()
            .Str("set", shortForm: true).Byte(0x8f).Mark().Int(3).Int(1).Byte(0x90) // EMPTY_SET, ADDITEMS
            .Str("frozen", shortForm: true).Mark().Int(2).Byte(0x91)
            .Str("bytes", shortForm: true).Byte(0x8e).Raw(BitConverter.GetBytes(3L)).Raw("abc"u8)
            .Str("array", shortForm: true).Byte(0x96).Raw(BitConverter.GetBytes(1L)).Raw("z"u8).Byte(0x98)
            .Str("text8", shortForm: true).Byte(0x8d).Raw(BitConverter.GetBytes(2L)).Raw("hi"u8)
            .Str("point", shortForm: true).StackGlobal("geometry", "Point").Int(1).Tuple(1).EmptyDict().Str("z").Int(3).SetItem().NewObjEx()
            .Str("self", shortForm: true).Get(0)
            .SetItems().Stop();
        var dict = Assert.IsType<PickleDict>(Load(w));
        Assert.Equal(new object?[] { 3L, 1L }, Assert.IsType<PickleSet>(dict.GetValueOrDefault("set")).Items);
        Assert.Equal(new object?[] { 2L }, Assert.IsType<PickleSet>(dict.GetValueOrDefault("frozen")).Items);
        Assert.Equal("abc"u8.ToArray(), dict.GetValueOrDefault("bytes"));
        Assert.Equal("z"u8.ToArray(), dict.GetValueOrDefault("array"));
        Assert.Equal("hi", dict.GetValueOrDefault("text8"));
        var point = Assert.IsType<PickleObject>(dict.GetValueOrDefault("point"));
        Assert.Equal(("geometry.Point", 1L, 3L), (point.FullName, point.Args[0], point.KeywordArgs!.GetValueOrDefault("z")));
        Assert.Same(dict, dict.GetValueOrDefault("self"));
    }

    [Fact]
    public void Duplicate_keys_keep_the_last_value_like_python()
    {
        var dict = Assert.IsType<PickleDict>(Load(new PickleWriter().Proto(2).EmptyDict().Mark()
            .Str("k").Int(1).Str("k").Int(2).Int(1).Str("one").Bool(true).Str("true").SetItems().Stop()));
        Assert.Equal(2L, dict.GetValueOrDefault("k"));
        Assert.Equal(2, dict.Count); // 1 and True are the same key
        Assert.True(dict.TryGetValue(1L, out var one) && (string)one! == "true");
    }

    [Theory]
    [InlineData(new byte[] { (byte)'X', 0xff, 0xff, 0xff, 0x7f, (byte)'a' }, "runs past the end")] // BINUNICODE of 2 GB
    [InlineData(new byte[] { 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40 }, "runs past the end")] // BINUNICODE8 of 2^62
    [InlineData(new byte[] { 0x8b, 0xff, 0xff, 0xff, 0x7f }, "runs past the end")] // LONG4
    [InlineData(new byte[] { (byte)'h', 9, (byte)'.' }, "never stored")]
    [InlineData(new byte[] { (byte)'a', (byte)'.' }, "stack is empty")]
    [InlineData(new byte[] { (byte)'t', (byte)'.' }, "no MARK")]
    [InlineData(new byte[] { 0x82, 1, (byte)'.' }, "extension registry")]
    [InlineData(new byte[] { 0xff }, "unknown pickle opcode 0xff")]
    [InlineData(new byte[] { (byte)'N' }, "ends early")]
    public void Malformed_pickles_fail_with_what_is_wrong(byte[] pickle, string expected)
    {
        var e = Assert.Throws<PickleFormatException>(() => Load(pickle));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Decimal_integers_have_pythons_digit_limit()
    {
        var pickle = Encoding.ASCII.GetBytes("I" + new string('9', 5000) + "\n.");
        Assert.Contains("4300-digit limit", Assert.Throws<PickleFormatException>(() => Load(pickle)).Message);
    }

    [Fact]
    public void A_million_nested_lists_load_without_recursion_and_convert_with_a_depth_limit()
    {
        var w = new PickleWriter().Proto(2);
        const int depth = 1_000_000;
        for (int i = 0; i < depth; i++) w.EmptyList();
        for (int i = 0; i < depth - 1; i++) w.Append();
        var watch = Stopwatch.StartNew();
        var value = Load(w.Stop());
        Assert.IsType<List<object?>>(value);
        var converter = new PlainValueConverter((_, _) => throw new InvalidOperationException());
        Assert.Contains("nests more than 100 levels", Assert.Throws<InvalidDataException>(() => converter.Convert(value, "deep")).Message);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 10);
    }

    [Fact]
    public void A_list_that_contains_itself_is_refused_when_converted()
    {
        var value = Load(new PickleWriter().Proto(2).EmptyList().Put(0).Get(0).Append().Stop());
        var list = Assert.IsType<List<object?>>(value);
        Assert.Same(list, list[0]);
        var converter = new PlainValueConverter((_, _) => throw new InvalidOperationException());
        Assert.Contains("contains itself", Assert.Throws<InvalidDataException>(() => converter.Convert(value, "loop")).Message);
    }

    [Fact]
    public void Shared_values_convert_once_so_doubling_chains_stay_linear()
    {
        // l0 = [], l1 = [l0, l0], l2 = [l1, l1], ... l60: 2^60 paths, 61 lists.
        var w = new PickleWriter().Proto(2).EmptyList().Put(0);
        for (uint i = 1; i <= 60; i++) w.Op('0').Mark().Get(i - 1).Get(i - 1).Op('l').Put(i);
        var value = Load(w.Stop());
        var watch = Stopwatch.StartNew();
        var plain = new PlainValueConverter((_, _) => throw new InvalidOperationException()).Convert(value, "chain");
        Assert.IsAssignableFrom<IReadOnlyList<object?>>(plain);
        Assert.True(CheckpointModule.Format(plain).Length < 1100);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0, 2);
    }
}
