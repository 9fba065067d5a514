using YoloCompress.Core.Calibration;
using YoloCompress.Core.Quantization;
using YoloCompress.Core.Diagnostics;
using YoloCompress.Core.Profiles;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Profiles;

public sealed class ProfileResolverTests : IDisposable
{
    private readonly string _folder = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private ProfileFile WriteProfiles(string json)
    {
        var path = Path.Combine(_folder, ProfileFile.DefaultFileName);
        File.WriteAllText(path, json);
        return ProfileFile.Load(path);
    }

    private static SettingOverride Set(string name, string value, string where = "--set") =>
        new(name, value, DiagnosticOrigin.CommandLine(where));

    [Fact]
    public void NoProfileMeansInt8WithTheDocumentedDefaults()
    {
        var resolved = ProfileResolver.Resolve(null);
        Assert.Equal("int8", resolved.Name);
        Assert.Equal(new CompressionSettings(), resolved.Settings);
        Assert.Equal("int8", resolved.Settings.Quantization.Mode.ToSettingName());
    }

    [Fact]
    public void BuiltInPresetsDifferWhereTheirNamesSay()
    {
        Assert.Equal("fp16", ProfileResolver.Resolve("fp16").Settings.Quantization.Mode.ToSettingName());
        var pruned = ProfileResolver.Resolve("Pruned-INT8");
        Assert.Equal("pruned-int8", pruned.Name);
        Assert.Equal(BuiltInProfiles.PrunedInt8Ratio, pruned.Settings.Pruning.Ratio);
        Assert.Equal("int8", pruned.Settings.Quantization.Mode.ToSettingName());
        Assert.Equal(["pruned-int8", "int8"], pruned.Chain);
    }

    [Fact]
    public void FileProfilesExtendEachOtherAndBuiltIns()
    {
        var file = WriteProfiles("""
            {
              "profiles": {
                "base": { "extends": "pruned-int8", "Calibration": "percentile", "KeepFloat": ["model.0*", "op:Concat"] },
                "edge": { "extends": "base", "pruneratio": 0.2, "MaxSize": "2.5MB" }
              }
            }
            """);
        var edge = ProfileResolver.Resolve("edge", file);
        Assert.Equal(["edge", "base", "pruned-int8", "int8"], edge.Chain);
        Assert.Equal(0.2, edge.Settings.Pruning.Ratio);
        Assert.Equal("percentile", edge.Settings.Calibration.Method.ToSettingName());
        Assert.Equal(["model.0*", "op:Concat"], edge.Settings.Quantization.KeepFloat.Select(p => p.Text));
        Assert.Equal(2_621_440L, edge.Settings.MaxSize);
        Assert.Equal(file.Path, edge.Sources["PruneRatio"].File);
        Assert.Equal(4, edge.Sources["PruneRatio"].Line);
        Assert.Equal("profile 'edge'", edge.Sources["PruneRatio"].Description);
    }

    [Fact]
    public void OverridesWinInOrderAndRecordTheirOrigin()
    {
        var resolved = ProfileResolver.Resolve("pruned-int8", null, [Set("PruneRatio", "0.1", "metadata"), Set("pruneRATIO", "0.3", "--set")]);
        Assert.Equal(0.3, resolved.Settings.Pruning.Ratio);
        Assert.Equal("--set", resolved.Sources["PruneRatio"].Description);
        Assert.False(resolved.Sources.ContainsKey("InputSize"));
    }

    [Fact]
    public void ACycleIsAnErrorThatShowsIt()
    {
        var file = WriteProfiles("""{ "profiles": { "a": { "extends": "b" }, "b": { "extends": "c" }, "c": { "extends": "A" } } }""");
        var error = Assert.Throws<YoloCompressException>(() => ProfileResolver.Resolve("a", file));
        Assert.Equal("YC0004", error.Code);
        Assert.Contains("a -> b -> c -> a", error.Message);
        Assert.Equal(file.Path, error.Origin?.File);
    }

    [Fact]
    public void AnUnknownSettingNamesItselfTheFileAndTheLine()
    {
        var file = WriteProfiles("{\n  \"profiles\": {\n    \"mine\": {\n      \"PruneRatoi\": 0.1\n    }\n  }\n}\n");
        var error = Assert.Throws<YoloCompressException>(() => ProfileResolver.Resolve("mine", file));
        Assert.Equal("YC0001", error.Code);
        Assert.Contains("PruneRatoi", error.Message);
        Assert.Contains(file.Path, error.Message);
        Assert.Equal(4, error.Origin?.Line);
        Assert.StartsWith($"{file.Path}(4): error YC0001: Unknown setting 'PruneRatoi'", error.Diagnostic.ToCanonicalString("tool"));
    }

    [Theory]
    [InlineData("PruneRatio", "0.95", "between 0 and 0.9")]
    [InlineData("PruneRatio", "0,1", "expected a number")]
    [InlineData("Quantization", "int4", "expected one of none, int8, fp16, int8-weight-only, int8-qat")]
    [InlineData("MaxSize", "2.5XB", "expected a size")]
    [InlineData("InputSize", "650", "multiple of the model's largest stride (32)")]
    [InlineData("InputSize", "641x480", "the width 641 must be a positive multiple of the model's largest stride (32)")]
    [InlineData("InputSize", "0x480", "the width 0 must be a positive multiple of the model's largest stride (32)")]
    [InlineData("InputSize", "640x", "the height '' is not a whole number; expected 640, 640x384 (width x height), dynamic, dynamic:640 or auto")]
    [InlineData("InputSize", "dynamic:500", "the long side 500 must be a positive multiple of the model's largest stride (32)")]
    [InlineData("MinInputSize", "300", "multiple of 32")]
    [InlineData("CalibrationPercentile", "90", "above 90")]
    [InlineData("Recovery", "yes", "expected one of none, calibration, distill")]
    [InlineData("PruneTargetFlops", "0.05", "between 0.1 and 1")]
    [InlineData("DistillImageSize", "300", "multiple of 32")]
    [InlineData("PruneOverrides", "model.2*", "not pattern=ratio")]
    [InlineData("MaxLatency", "-3ms", "positive")]
    public void ABadValueNamesTheSettingTheValueAndTheOrigin(string name, string value, string reason)
    {
        var error = Assert.Throws<YoloCompressException>(() => ProfileResolver.Resolve(null, null, [new SettingOverride(name, value, new DiagnosticOrigin("/p/App.csproj", "YoloModel metadata"))]));
        Assert.Equal("YC0002", error.Code);
        Assert.Contains($"'{value}'", error.Message);
        Assert.Contains(name, error.Message);
        Assert.Contains(reason, error.Message);
        Assert.Contains("/p/App.csproj", error.Message);
        Assert.Equal("/p/App.csproj", error.Origin?.File);
    }

    [Theory]
    [InlineData("640", InputSizeKind.Fixed, 640, 640, "640")]
    [InlineData("640x384", InputSizeKind.Fixed, 640, 384, "640x384")]
    [InlineData(" 384X640 ", InputSizeKind.Fixed, 384, 640, "384x640")]
    [InlineData("dynamic", InputSizeKind.Dynamic, 0, 0, "dynamic")]
    [InlineData("Dynamic:512", InputSizeKind.Dynamic, 512, 512, "dynamic:512")]
    [InlineData("auto", InputSizeKind.Auto, 0, 0, "auto")]
    public void InputSizeTakesSquaresRectanglesPerImageShapesAndAuto(string text, InputSizeKind kind, int width, int height, string spelling)
    {
        var size = ProfileResolver.Resolve(null, null, [Set("InputSize", text)]).Settings.InputSize!.Value;
        Assert.Equal((kind, width, height), (size.Kind, size.Width, size.Height));
        Assert.Equal(spelling, size.ToString());
        // The canonical JSON (cache keys, .yolo.json) keeps a square a number and spells the rest.
        var json = CanonicalSettingsJson.Write(new CompressionSettings { InputSize = size });
        Assert.Contains(kind == InputSizeKind.Fixed && width == height ? $"\"InputSize\":{width}" : $"\"InputSize\":\"{spelling}\"", json);
    }

    [Theory]
    [InlineData("1234", 1234L)]
    [InlineData("800KB", 819_200L)]
    [InlineData("2.5MB", 2_621_440L)]
    [InlineData("2.5 mib", 2_621_440L)]
    [InlineData("1GB", 1_073_741_824L)]
    public void SizesAcceptBinaryUnits(string text, long bytes) =>
        Assert.Equal(bytes, ProfileResolver.Resolve(null, null, [Set("MaxSize", text)]).Settings.MaxSize);

    [Fact]
    public void NoneClearsAnInheritedBudget()
    {
        var file = WriteProfiles("""{ "profiles": { "strict": { "MaxSize": "1MB", "MaxMapDrop": 0.01 } } }""");
        var resolved = ProfileResolver.Resolve("strict", file, [Set("MaxSize", "none")]);
        Assert.Null(resolved.Settings.MaxSize);
        Assert.Equal(0.01, resolved.Settings.MaxMapDrop);
    }

    [Fact]
    public void AnUnusedProfilesMistakeDoesNotBreakOthersButIsAWarningThatPointsAtIt()
    {
        var file = WriteProfiles("{ \"profiles\": {\n  \"broken\": { \"Nonsense\": 1 },\n  \"fine\": { \"PruneRatio\": 0.1 },\n  \"child\": { \"extends\": \"fine\" } } }");
        var fine = ProfileResolver.Resolve("fine", file);
        Assert.Equal(0.1, fine.Settings.Pruning.Ratio);
        var warning = Assert.Single(fine.Warnings);
        Assert.Equal("YC0007", warning.Code);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Descriptor.Severity);
        Assert.Contains("Profile 'broken' is not used here, but YC0001: Unknown setting 'Nonsense'", warning.Message);
        Assert.Equal(2, warning.Origin?.Line);
        Assert.Empty(ProfileResolver.Resolve("int8").Warnings);
    }

    [Fact]
    public void AnUnknownProfileListsTheKnownOnes()
    {
        var file = WriteProfiles("""{ "profiles": { "mine": { "extends": "int9" } } }""");
        var error = Assert.Throws<YoloCompressException>(() => ProfileResolver.Resolve("mine", file));
        Assert.Equal("YC0003", error.Code);
        Assert.Contains("'int9'", error.Message);
        Assert.Contains("pruned-int8", error.Message);
        Assert.Equal(file.Path, error.Origin?.File);
        Assert.Equal("YC0003", Assert.Throws<YoloCompressException>(() => ProfileResolver.Resolve("nope")).Code);
    }

    [Fact]
    public void AFileProfileMayNotHideABuiltIn()
    {
        var error = Assert.Throws<YoloCompressException>(() => WriteProfiles("""{ "profiles": { "INT8": { "PruneRatio": 0.1 } } }"""));
        Assert.Equal("YC0006", error.Code);
    }

    [Fact]
    public void MalformedJsonPointsAtItsLine()
    {
        var error = Assert.Throws<YoloCompressException>(() => WriteProfiles("{\n  \"profiles\": {\n    \"a\": { \"PruneRatio\": 0.1, }\n    oops\n  }\n}"));
        Assert.Equal("YC0005", error.Code);
        Assert.NotNull(error.Origin?.Line);
        Assert.InRange(error.Origin!.Line!.Value, 3, 4);
    }

    [Fact]
    public void AnUnexpectedTopLevelKeyIsRefused()
    {
        var error = Assert.Throws<YoloCompressException>(() => WriteProfiles("""{ "profile": { } }"""));
        Assert.Equal("YC0005", error.Code);
        Assert.Contains("'profile'", error.Message);
    }

    [Fact]
    public void EverySettingHasOneParserAndOneCanonicalKey()
    {
        // A value other than the default for each setting: applying it changes that setting's key and no other.
        var samples = new Dictionary<string, string>
        {
            ["ActivationType"] = "int8", ["Calibration"] = "mse", ["CalibrationCount"] = "8", ["CalibrationPercentile"] = "99.9",
            ["HeadConvs"] = "int8", ["InputSize"] = "320", ["MinInputSize"] = "480", ["KeepFloat"] = "model.0*", ["MaxLatency"] = "20ms", ["MaxMapDrop"] = "0.01", ["MaxSize"] = "2MB",
            ["PruneOverrides"] = "model.2*=0.3", ["PruneProtect"] = "model.24*", ["PruneRatio"] = "0.1",
            ["Opset"] = "13", ["Recovery"] = "none", ["PruneTargetFlops"] = "0.75", ["PruneSteps"] = "3",
            ["DistillEpochs"] = "3", ["DistillImageSize"] = "640", ["DistillBatch"] = "4", ["DistillLearningRate"] = "0.01", ["Seed"] = "5", ["QatEpochs"] = "3", ["QatLearningRate"] = "0.001", ["WeightBits"] = "4", ["PruneCriterion"] = "taylor", ["PruneRoundTo"] = "4", ["PruneScope"] = "global", ["Quantization"] = "fp16",
        };
        Assert.Equal(samples.Keys.Order(StringComparer.Ordinal), SettingDefinitions.All.Select(d => d.Name));
        var defaults = Keys(CanonicalSettingsJson.Write(new CompressionSettings()));
        Assert.Equal(samples.Keys.Order(StringComparer.Ordinal), defaults.Keys);
        foreach (var (name, value) in samples)
        {
            var changed = Keys(CanonicalSettingsJson.Write(ProfileResolver.Apply(new CompressionSettings(), Set(name, value))));
            Assert.Equal([name], defaults.Keys.Where(k => defaults[k] != changed[k]));
        }

        static Dictionary<string, string> Keys(string json) =>
            System.Text.Json.JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText());
    }

    [Fact]
    public void CanonicalJsonIsSortedCompactAndCoversEverySetting()
    {
        var settings = ProfileResolver.Resolve("pruned-int8", null, [Set("KeepFloat", "b;a"), Set("MaxSize", "1KB"), Set("CalibrationPercentile", "99.99")]).Settings;
        var json = CanonicalSettingsJson.Write(settings);
        Assert.StartsWith("""{"ActivationType":"uint8","Calibration":"percentile","CalibrationCount":64,"CalibrationPercentile":99.99,""", json);
        Assert.Contains("""
            "KeepFloat":["b","a"],"MaxLatency":null,"MaxMapDrop":null,"MaxSize":1024,
            """.Trim(), json);
        Assert.Contains("\"PruneRatio\":0.02,", json);
        Assert.DoesNotContain(" ", json);
        Assert.Equal(json, CanonicalSettingsJson.Write(settings with { }));
        using var document = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(SettingDefinitions.All.Count, document.RootElement.EnumerateObject().Count());
    }
}
