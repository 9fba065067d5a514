using YoloCompress.Runtime;

namespace YoloCompress.Tests.Runtime;

public class ClassNamesTests
{
    [Fact]
    public void Parse_PythonDictRepr_AsTheReferenceExporterWritesIt()
    {
        var names = ClassNames.Parse("{0: 'person', 1: 'bicycle', 2: 'traffic light', 3: \"teddy's bear\"}");

        Assert.Equal(["person", "bicycle", "traffic light", "teddy's bear"], names.Values);
        Assert.Equal([0, 1, 2, 3], names.Keys);
    }

    [Fact]
    public void Parse_PythonList_AndEscapes()
    {
        var names = ClassNames.Parse("['bss', 'ls', 'it\\'s', 'tab\\there', 'bell\\x07', 'caf\\u00e9']");

        Assert.Equal(["bss", "ls", "it's", "tab\there", "bell\a", "café"], names.Values);
    }

    [Fact]
    public void Parse_ReadsWhatTheGraphBuilderWrites()
    {
        string[] names = ["person", "it's", "say \"hi\"", "both ' and \"", "back\\slash", "new\nline"];

        var parsed = ClassNames.Parse(YoloCompress.Core.Graph.ModelMetadata.NamesRepr(names));

        Assert.Equal(names, parsed.Values);
    }

    [Fact]
    public void Resolve_FillsMissingOrUnreadableNamesWithClassN()
    {
        Assert.Equal(["face", "class 1"], ClassNames.Resolve("{0: 'face'}", 2));
        Assert.Equal(["class 0", "class 1"], ClassNames.Resolve("not a dict", 2));
        Assert.Equal(["class 0"], ClassNames.Resolve(null, 1));
        Assert.Equal(["a", "b"], ClassNames.Resolve("{1: 'b', 0: 'a', 7: 'ignored'}", 2));
    }

    [Theory]
    [InlineData("{0 'a'}")]
    [InlineData("{0: a}")]
    [InlineData("{0: 'a'")]
    [InlineData("person, bicycle")]
    public void Parse_Malformed_ThrowsFormatException(string text)
    {
        Assert.Throws<FormatException>(() => ClassNames.Parse(text));
        Assert.Null(ClassNames.TryParse(text));
    }
}
