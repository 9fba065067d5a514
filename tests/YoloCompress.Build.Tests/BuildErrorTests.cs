namespace YoloCompress.Build.Tests;

/// <summary>Builds that must fail before any compression, with a YC code, the setting and where it
/// was written. These run without the compression pipeline.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class BuildErrorTests(PackedFeed feed)
{
    [Fact]
    public void ABadValueInItemMetadataNamesTheSettingTheValueAndTheProject()
    {
        var app = new TestApp(feed, "bad-value", TestApp.ModelItems(feed, "CalibrationCount=\"4\" PruneRatio=\"1.5\""));
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{app.ProjectFile} : error YC0002: Invalid value '1.5' for setting PruneRatio", build.Output);
        Assert.Contains("must be between 0 and 0.9", build.Output);
        Assert.False(File.Exists(app.Intermediate("yolov5n.onnx")));
    }

    [Fact]
    public void AMisspeltSettingIsAnUnknownSetting()
    {
        var app = new TestApp(feed, "unknown-setting", TestApp.ModelItems(feed, "CalibrationCount=\"4\" PruneRatoi=\"0.1\""));
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{app.ProjectFile} : error YC0001: Unknown setting 'PruneRatoi'", build.Output);
    }

    [Fact]
    public void APropertyIsAProjectWideSettingAndIsCheckedTheSameWay()
    {
        var app = new TestApp(feed, "bad-property", TestApp.ModelItems(feed), "<YoloCompressQuantization>int4</YoloCompressQuantization>");
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error YC0002: Invalid value 'int4' for setting Quantization", build.Output);
        Assert.Contains("property YoloCompressQuantization", build.Output);
    }

    [Fact]
    public void AMistakeInYolocompressJsonPointsAtItsLine()
    {
        var app = new TestApp(feed, "bad-json", TestApp.ModelItems(feed, "Profile=\"edge\" CalibrationCount=\"4\""));
        var json = Path.Combine(app.Directory, "yolocompress.json");
        File.WriteAllText(json, "{\n  \"profiles\": {\n    \"edge\": {\n      \"extends\": \"pruned-int8\",\n      \"Calibration\": \"kl\"\n    }\n  }\n}\n");
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{json}(5): error YC0002: Invalid value 'kl' for setting Calibration (profile 'edge'", build.Output);
    }

    [Fact]
    public void AProfileCycleIsReported()
    {
        var app = new TestApp(feed, "cycle", TestApp.ModelItems(feed, "Profile=\"a\""));
        File.WriteAllText(Path.Combine(app.Directory, "yolocompress.json"), """{ "profiles": { "a": { "extends": "b" }, "b": { "extends": "a" } } }""");
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error YC0004: Profiles extend one another in a cycle: a -> b -> a", build.Output);
    }

    [Fact]
    public void MissingInputsFailFastWithTheirCodes()
    {
        var app = new TestApp(feed, "missing", """
            <YoloModel Include="models/nope.pt" />
            <YoloCalibrationImage Include="calib/nope.jpg" />
            """);
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error YC0010: YoloModel 'models/nope.pt' does not exist", build.Output);
        Assert.Contains("error YC0013: YoloCalibrationImage 'calib/nope.jpg' does not exist", build.Output);
    }

    [Fact]
    public void AnEnvironmentOverrideIsCheckedAndNamed()
    {
        var app = new TestApp(feed, "env", TestApp.ModelItems(feed));
        var build = app.BuildWith(new Dictionary<string, string?> { ["YOLOCOMPRESS_SET"] = "InputSize=650" });
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error YC0002: Invalid value '650' for setting InputSize", build.Output);
        Assert.Contains("YOLOCOMPRESS_SET", build.Output);
    }

    [Fact]
    public void AnEnvironmentProfileReplacesTheProjects()
    {
        var app = new TestApp(feed, "env-profile", TestApp.ModelItems(feed, "Profile=\"fp16\""));
        var build = app.BuildWith(new Dictionary<string, string?> { ["YOLOCOMPRESS_PROFILE"] = "edge-ci" });
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error YC0003: Unknown profile 'edge-ci'", build.Output);
    }

    [Fact]
    public void AnOldOnnxRuntimeIsRefusedWithTheVersionToUse()
    {
        var app = new TestApp(feed, "old-ort", TestApp.ModelItems(feed), "<YoloCompressOnnxRuntimeVersion>1.10.0</YoloCompressOnnxRuntimeVersion>");
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error YC0040: The app references Microsoft.ML.OnnxRuntime 1.10.0", build.Output);
        Assert.Contains("raise it to 1.13.1 or later", build.Output);
    }
}
