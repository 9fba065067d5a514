using System.Reflection;

namespace YoloCompress.Runtime;

/// <summary>Finds the models YoloCompress.Build embedded in an assembly. A &lt;YoloModel&gt; named
/// NAME becomes two manifest resources: <c>YoloCompress.Models.NAME.onnx</c> (the model) and
/// <c>YoloCompress.Models.NAME.yolo.json</c> (its metadata: source hash, resolved profile,
/// calibration ranges, metrics before and after).</summary>
public static class EmbeddedModel
{
    // The resource names build/YoloCompress.Build.targets gives the embedded files; internal: users go
    // through Names and Open*, so the naming can change with the targets.
    internal const string ResourcePrefix = "YoloCompress.Models.";
    internal const string ModelSuffix = ".onnx";
    internal const string MetadataSuffix = ".yolo.json";

    internal static string ModelResourceName(string name) => ResourcePrefix + name + ModelSuffix;

    internal static string MetadataResourceName(string name) => ResourcePrefix + name + MetadataSuffix;

    /// <summary>The names of the models embedded in <paramref name="assembly"/>, sorted.</summary>
    public static IReadOnlyList<string> Names(Assembly assembly) => assembly.GetManifestResourceNames()
        .Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal) && r.EndsWith(ModelSuffix, StringComparison.Ordinal))
        .Select(r => r[ResourcePrefix.Length..^ModelSuffix.Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The embedded model NAME; pass it to <c>new YoloDetector(stream)</c>.</summary>
    public static Stream OpenModel(Assembly assembly, string name) => Open(assembly, ModelResourceName(name), name);

    /// <summary>The embedded NAME.yolo.json.</summary>
    public static Stream OpenMetadata(Assembly assembly, string name) => Open(assembly, MetadataResourceName(name), name);

    private static Stream Open(Assembly assembly, string resource, string name) =>
        assembly.GetManifestResourceStream(resource) ?? throw new FileNotFoundException(
            $"{assembly.GetName().Name} has no embedded model '{name}' (resource {resource}). Embedded models: "
            + (Names(assembly) is { Count: > 0 } names ? string.Join(", ", names) : "none; add <YoloModel Include=\"...\" /> and a PackageReference to YoloCompress.Build"),
            resource);
}
