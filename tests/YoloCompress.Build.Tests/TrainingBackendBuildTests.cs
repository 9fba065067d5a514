namespace YoloCompress.Build.Tests;

/// <summary>The opt-in training backend through a real build: the package ships without it, a project that distils
/// names a build of src/YoloCompress.Torch in YoloCompressTrainingBackend, and without it the build fails with YC0019.</summary>
[Collection(PackedFeedCollection.Name)]
[Trait("Needs", "Pipeline")]
public sealed class TrainingBackendBuildTests(PackedFeed feed)
{
    private const string Distill = "Profile=\"pruned-distilled-int8\" CalibrationCount=\"4\" DistillEpochs=\"1\" DistillImageSize=\"64\" InputSize=\"320\"";

    /// <summary>The backend the solution's Release build put beside the repository's sources.</summary>
    private string Backend
    {
        get
        {
            var folder = Path.Combine(feed.RepoRoot, "src", "YoloCompress.Torch", "bin", "Release", "net10.0");
            Assert.True(File.Exists(Path.Combine(folder, "YoloCompress.Torch.dll")), $"build the solution in Release first: {folder} has no YoloCompress.Torch.dll");
            return folder;
        }
    }

    [Fact]
    public void A_project_that_names_the_backend_distils_at_build()
    {
        var app = new TestApp(feed, "distill", TestApp.ModelItems(feed, Distill),
            properties: $"<YoloCompressTrainingBackend>{Backend}</YoloCompressTrainingBackend>", cache: Path.Combine(feed.Root, "distill-cache"));

        var build = app.Build();

        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.Contains("pruned to 75% of the FLOPs, distilled", build.Output);
        Assert.True(File.Exists(app.Intermediate("yolov5n.onnx")));
    }

    [Fact]
    public void Without_the_backend_the_build_fails_with_YC0019_naming_the_property()
    {
        var app = new TestApp(feed, "no-backend", TestApp.ModelItems(feed, Distill), cache: Path.Combine(feed.Root, "no-backend-cache"));

        var build = app.Build();

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error YC0019", build.Output);
        Assert.Contains("YoloCompressTrainingBackend", build.Output);
        Assert.False(File.Exists(app.Intermediate("yolov5n.onnx")));
    }
}
