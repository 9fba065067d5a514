using System.Security;

namespace YoloCompress.Build.Tests;

/// <summary>A small console app in a temporary folder that references YoloCompress.Build from the
/// test feed. Its items and properties are XML fragments so each test writes what a user would.</summary>
public sealed class TestApp
{
    private readonly PackedFeed _feed;
    private readonly bool _withOnnxRuntime;

    public TestApp(PackedFeed feed, string name, string items, string properties = "", bool withOnnxRuntime = false, string? cache = null, string? folder = null)
    {
        _feed = feed;
        _withOnnxRuntime = withOnnxRuntime;
        Directory = folder ?? Path.Combine(feed.Root, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Cache = cache ?? Path.Combine(Directory, ".cache");
        ProjectFile = Path.Combine(Directory, "App.csproj");
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="test-feed" value="{SecurityElement.Escape(feed.Feed)}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="test-feed"><package pattern="YoloCompress.*" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(Directory, "Program.cs"), withOnnxRuntime ? ProgramWithOnnxRuntime : ProgramListingResources);
        Write(items, properties);
    }

    public string Directory { get; }

    public string ProjectFile { get; }

    public string Cache { get; }

    /// <summary>obj/Debug/net10.0/yolocompress/FILE</summary>
    public string Intermediate(string file) => Path.Combine(Directory, "obj", "Debug", "net10.0", "yolocompress", file);

    public string Output(string file) => Path.Combine(Directory, "bin", "Debug", "net10.0", file);

    /// <summary>Rewrites the project with other items and properties (the folder and its obj/ stay).</summary>
    public void Write(string items, string properties = "")
    {
        var onnxRuntime = _withOnnxRuntime ? """<PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.31.1" />""" : "";
        File.WriteAllText(ProjectFile, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <YoloCompressCacheDirectory>{SecurityElement.Escape(Cache)}</YoloCompressCacheDirectory>
                {properties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="YoloCompress.Build" Version="{_feed.Version}" PrivateAssets="all" />
                {onnxRuntime}
              </ItemGroup>
              <ItemGroup>
                {items}
              </ItemGroup>
            </Project>
            """);
    }

    public ProcessResult Build(params string[] arguments) =>
        ProcessRunner.Dotnet(Directory, null, ["build", ProjectFile, "-nodeReuse:false", "--disable-build-servers", .. arguments]);

    public Task<ProcessResult> BuildAsync(params string[] arguments) =>
        ProcessRunner.DotnetAsync(Directory, null, ["build", ProjectFile, "-nodeReuse:false", "--disable-build-servers", .. arguments]);

    public ProcessResult BuildWith(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        ProcessRunner.Dotnet(Directory, environment, ["build", ProjectFile, "-nodeReuse:false", "--disable-build-servers", .. arguments]);

    public ProcessResult Run() => ProcessRunner.Dotnet(Directory, null, Output("App.dll"));

    /// <summary>The usual model item: the repository's yolov5n with a few calibration images.</summary>
    public static string ModelItems(PackedFeed feed, string metadata = "CalibrationCount=\"4\"", string imagePattern = "*.jpg") => $"""
        <YoloModel Include="{SecurityElement.Escape(feed.Samples("models/yolov5n.pt"))}" {metadata} />
        <YoloCalibrationImage Include="{SecurityElement.Escape(feed.Samples("coco16/images"))}/{imagePattern}" />
        """;

    // Prints each embedded resource and its size.
    private const string ProgramListingResources = """
        var assembly = typeof(Program).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            Console.WriteLine($"resource {name} {stream.Length}");
        }
        """;

    // Also loads each embedded model into ONNX Runtime and prints its input and output shapes.
    private const string ProgramWithOnnxRuntime = """
        using Microsoft.ML.OnnxRuntime;
        var assembly = typeof(Program).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            Console.WriteLine($"resource {name} {bytes.Length}");
            if (name.EndsWith(".onnx", StringComparison.Ordinal))
            {
                using var session = new InferenceSession(bytes);
                foreach (var (key, meta) in session.InputMetadata)
                    Console.WriteLine($"input {key} [{string.Join(",", meta.Dimensions)}] {meta.ElementType.Name}");
                foreach (var (key, meta) in session.OutputMetadata)
                    Console.WriteLine($"output {key} [{string.Join(",", meta.Dimensions)}] {meta.ElementType.Name}");
            }
            if (name.EndsWith(".yolo.json", StringComparison.Ordinal))
            {
                using var json = System.Text.Json.JsonDocument.Parse(bytes);
                Console.WriteLine($"json {json.RootElement.ValueKind}");
            }
        }
        """;
}
