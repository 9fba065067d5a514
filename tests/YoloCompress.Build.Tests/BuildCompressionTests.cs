namespace YoloCompress.Build.Tests;

/// <summary>Builds that compress yolov5n for real (CalibrationCount 4 keeps each to seconds).
/// These need the compression pipeline: filter them out with --filter "Needs!=Pipeline" until it lands.</summary>
[Collection(PackedFeedCollection.Name)]
[Trait("Needs", "Pipeline")]
public sealed class BuildCompressionTests(PackedFeed feed)
{
    private const string Summary = "yolov5n (int8): ";

    [Fact]
    public void TheBuildEmbedsALoadableModelAndItsMetadata()
    {
        var app = new TestApp(feed, "embed", TestApp.ModelItems(feed), withOnnxRuntime: true);
        var build = app.Build();
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains(Summary, build.Output);

        var run = app.Run();
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"resource YoloCompress.Models.yolov5n.onnx {new FileInfo(app.Intermediate("yolov5n.onnx")).Length}", run.Output);
        Assert.Contains("resource YoloCompress.Models.yolov5n.yolo.json", run.Output);
        Assert.Contains("input images [-1,3,640,640] Single", run.Output);
        Assert.Contains("output output0 [-1,25200,85] Single", run.Output);
        Assert.Contains("json Object", run.Output);
        Assert.Contains("int8", File.ReadAllText(app.Intermediate("yolov5n.yolo.json")));
        // The app's ONNX Runtime was found among its references and checked.
        Assert.Contains("--onnxruntime-version 1.31.1", File.ReadAllText(app.Intermediate("yolov5n.stamp")));
        // An int8 model is well under half of the float32 one (7.3 MB for yolov5n).
        Assert.InRange(new FileInfo(app.Intermediate("yolov5n.onnx")).Length, 500_000, 3_500_000);
    }

    [Fact]
    public void AnUnchangedProjectSkipsTheCompressorAndAChangedOneDoesNot()
    {
        var app = new TestApp(feed, "incremental", TestApp.ModelItems(feed));
        var first = app.Build();
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains(Summary, first.Output);
        Assert.DoesNotContain("(cached)", first.Output);
        var written = File.GetLastWriteTimeUtc(app.Intermediate("yolov5n.onnx"));

        var second = app.Build();
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.DoesNotContain(Summary, second.Output);
        Assert.Equal(written, File.GetLastWriteTimeUtc(app.Intermediate("yolov5n.onnx")));

        // Another setting: a new key, so a real compression (not the cache).
        app.Write(TestApp.ModelItems(feed, "CalibrationCount=\"5\""));
        var changedSetting = app.Build();
        Assert.True(changedSetting.ExitCode == 0, changedSetting.ToString());
        Assert.Contains(Summary, changedSetting.Output);
        Assert.DoesNotContain("(cached)", changedSetting.Output);

        // Another image set.
        app.Write(TestApp.ModelItems(feed, "CalibrationCount=\"5\"", imagePattern: "00000000000*.jpg"));
        var changedImages = app.Build();
        Assert.True(changedImages.ExitCode == 0, changedImages.ToString());
        Assert.Contains(Summary, changedImages.Output);
        Assert.DoesNotContain("(cached)", changedImages.Output);

        // Back to the first project: compressed before, so the cache answers.
        app.Write(TestApp.ModelItems(feed));
        var back = app.Build();
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Contains("(cached)", back.Output);
    }

    [Fact]
    public void ABrokenSizeBudgetFailsTheBuildWithItsCode()
    {
        var app = new TestApp(feed, "budget", TestApp.ModelItems(feed, "CalibrationCount=\"4\" MaxSize=\"50KB\""), cache: feed.SharedCache);
        var build = app.Build();
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{app.ProjectFile} : error YC0020: yolov5n: the compressed model is", build.Output);
        Assert.Contains("over MaxSize 50 KB (51200 bytes)", build.Output);
        Assert.False(File.Exists(app.Intermediate("yolov5n.onnx")));
    }

    [Fact]
    public async Task TwoProjectsCompressingTheSameModelAtOnceBothSucceed()
    {
        var cache = Path.Combine(feed.Root, "concurrent-cache");
        var apps = new[]
        {
            new TestApp(feed, "concurrent-a", TestApp.ModelItems(feed, "CalibrationCount=\"6\""), cache: cache),
            new TestApp(feed, "concurrent-b", TestApp.ModelItems(feed, "CalibrationCount=\"6\""), cache: cache),
        };
        // Restore first, so both compressions start close together.
        foreach (var app in apps)
            Assert.Equal(0, ProcessRunner.Dotnet(app.Directory, null, "restore", app.ProjectFile).ExitCode);
        var builds = await Task.WhenAll(apps.Select(a => a.BuildAsync("--no-restore")));

        Assert.All(builds, b => Assert.True(b.ExitCode == 0, b.ToString()));
        Assert.Equal(1, builds.Count(b => b.Output.Contains(Summary) && !b.Output.Contains("(cached)")));
        Assert.Equal(File.ReadAllBytes(apps[0].Intermediate("yolov5n.onnx")), File.ReadAllBytes(apps[1].Intermediate("yolov5n.onnx")));
    }

    [Fact]
    public void CopyToOutputCopiesInsteadOfEmbeddingAndCleanRemovesEverything()
    {
        var app = new TestApp(feed, "copy", TestApp.ModelItems(feed), "<YoloCompressCopyToOutput>true</YoloCompressCopyToOutput>", cache: feed.SharedCache);
        var build = app.Build();
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.True(File.Exists(app.Output("models/yolov5n.onnx")));
        Assert.True(File.Exists(app.Output("models/yolov5n.yolo.json")));
        var run = app.Run();
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain("resource YoloCompress.Models", run.Output);

        var clean = ProcessRunner.Dotnet(app.Directory, null, "clean", app.ProjectFile, "-nodeReuse:false");
        Assert.Equal(0, clean.ExitCode);
        Assert.False(File.Exists(app.Output("models/yolov5n.onnx")));
        Assert.False(File.Exists(app.Intermediate("yolov5n.onnx")));
        Assert.False(File.Exists(app.Intermediate("yolov5n.stamp")));
        Assert.False(File.Exists(app.Intermediate("yolov5n.report.html")));
    }

    [Fact]
    public void TheReportPageIsWrittenUnderObjAndNamedInTheSummaryUnlessTurnedOff()
    {
        var app = new TestApp(feed, "report", TestApp.ModelItems(feed), cache: feed.SharedCache);
        var build = app.Build();
        Assert.True(build.ExitCode == 0, build.ToString());
        var page = app.Intermediate("yolov5n.report.html");
        Assert.Contains($"; report {page}", build.Output);
        // No ValidationSet here: the figures the build has, and the sections that would need one.
        var html = File.ReadAllText(page);
        Assert.Contains("id=\"headline-table\"", html);
        Assert.Contains("id=\"needs-validation\"", html);

        // Turned off: the stamp changes (the cache answers) and the page written before goes with it.
        app.Write(TestApp.ModelItems(feed), "<YoloCompressReport>false</YoloCompressReport>");
        var off = app.Build();
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.Contains(Summary, off.Output);
        Assert.DoesNotContain("; report ", off.Output);
        Assert.False(File.Exists(page));
    }
}
