namespace YoloCompress.Core.Graph;

/// <summary>The yaml module names the builder rebuilds, grouped the way ultralytics' parse_model treats their
/// arguments (models/yolo.py, v7.0): which take (c1, c2, ...) with the width multiple applied, which take the
/// repeat count as an argument instead of being wrapped in an nn.Sequential, and which keep the input's channels.</summary>
internal static class ModuleCatalog
{
    /// <summary>Modules whose first argument is the output channel count, scaled by width_multiple.</summary>
    private static readonly string[] ChannelModules =
    {
        "Conv", "DWConv", "GhostConv", "Bottleneck", "GhostBottleneck", "CrossConv", "SPP", "SPPF", "Focus",
        "BottleneckCSP", "C3", "C3x", "C3TR", "C3SPP", "C3Ghost", "nn.ConvTranspose2d", "DWConvTranspose2d",
    };

    /// <summary>parse_model's <c>args.insert(2, n); n = 1</c> set: the repeats go inside the module.</summary>
    private static readonly string[] RepeatInside = { "BottleneckCSP", "C3", "C3x", "C3TR", "C3Ghost" };

    /// <summary>Modules that keep the input's channel count (parse_model's <c>c2 = ch[f]</c>).</summary>
    private static readonly string[] ShapeModules = { "nn.Upsample", "nn.MaxPool2d", "nn.ZeroPad2d" };

    public static IReadOnlyList<string> Known { get; } = ChannelModules.Concat(ShapeModules).Append("Concat").Append("Detect").ToArray();

    /// <summary>The yaml spelling normalised: <c>torch.nn.Upsample</c> is <c>nn.Upsample</c>.</summary>
    public static string Normalize(string module) => module.StartsWith("torch.nn.", StringComparison.Ordinal) ? module["torch.".Length..] : module;

    public static bool IsKnown(string module) => Known.Contains(module);

    public static bool TakesChannels(string module) => ChannelModules.Contains(module);

    public static bool RepeatsInside(string module) => RepeatInside.Contains(module);

    /// <summary>The YC0016 text for a module outside the catalog.</summary>
    public static string UnknownModuleProblem(string module) =>
        $"module '{module}' is not a YOLOv5 module this tool knows (it builds {string.Join(", ", Known)}); " +
        "a fork's own modules cannot be rebuilt without their code: export that model to ONNX with its own code and compress the .onnx.";
}
