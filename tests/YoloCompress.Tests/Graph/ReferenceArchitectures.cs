using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Initialization;

namespace YoloCompress.Tests.Graph;

/// <summary>The yaml files of ultralytics' official models, generation by generation (models/*.yaml and
/// models/hub/*.yaml as each release shipped them), written out as parse_model reads them.</summary>
internal static class ReferenceArchitectures
{
    private static readonly double[][] P5Anchors = { new double[] { 10, 13, 16, 30, 33, 23 }, new double[] { 30, 61, 62, 45, 59, 119 }, new double[] { 116, 90, 156, 198, 373, 326 } };
    public static readonly float[] P5Strides = { 8, 16, 32 };
    public static readonly float[] P6Strides = { 8, 16, 32, 64 };

    /// <summary>v6.0-v7.0 yolov5{n,s,m,l,x}.yaml (6x6 stem Conv, C3, SPPF) at any multiples: the yaml init writes.</summary>
    public static ModelArchitecture V6(double gd, double gw, int nc = 80) => WithMultiples(StandardArchitectures.Yaml("yolov5l", nc), gd, gw);

    /// <summary>v1.0-v3.1 (BottleneckCSP) or v4.0-v5.0 (C3) yolov5{s,m,l,x}.yaml: Focus stem, SPP(5, 9, 13).</summary>
    public static ModelArchitecture V3V5(double gd, double gw, string csp, int nc = 80) => Arch(nc, gd, gw, P5Anchors,
        L(-1, 1, "Focus", 64, 3), L(-1, 1, "Conv", 128, 3, 2), L(-1, 3, csp, 128), L(-1, 1, "Conv", 256, 3, 2),
        L(-1, 9, csp, 256), L(-1, 1, "Conv", 512, 3, 2), L(-1, 9, csp, 512), L(-1, 1, "Conv", 1024, 3, 2),
        L(-1, 1, "SPP", 1024, new List<object?> { 5L, 9L, 13L }), L(-1, 3, csp, 1024, "False"),
        L(-1, 1, "Conv", 512, 1, 1), Up(), L(new[] { -1, 6 }, 1, "Concat", 1), L(-1, 3, csp, 512, "False"),
        L(-1, 1, "Conv", 256, 1, 1), Up(), L(new[] { -1, 4 }, 1, "Concat", 1), L(-1, 3, csp, 256, "False"),
        L(-1, 1, "Conv", 256, 3, 2), L(new[] { -1, 14 }, 1, "Concat", 1), L(-1, 3, csp, 512, "False"),
        L(-1, 1, "Conv", 512, 3, 2), L(new[] { -1, 10 }, 1, "Concat", 1), L(-1, 3, csp, 1024, "False"),
        L(new[] { 17, 20, 23 }, 1, "Detect", "nc", "anchors"));

    /// <summary>v6.0-v7.0 models/hub/yolov5{n,s,m,l,x}6.yaml (P3-P6 heads, stride 64) at any multiples.</summary>
    public static ModelArchitecture V6P6(double gd, double gw, int nc = 80) => WithMultiples(StandardArchitectures.Yaml("yolov5l6", nc), gd, gw);

    private static ModelArchitecture WithMultiples(Dictionary<object, object?> yaml, double gd, double gw)
    {
        yaml["depth_multiple"] = gd;
        yaml["width_multiple"] = gw;
        return ModelArchitecture.FromYaml(yaml);
    }

    /// <summary>A yaml given as layers; indices are assigned in order. <paramref name="anchors"/> null means
    /// the integer form (<c>anchors: 3</c>).</summary>
    public static ModelArchitecture Arch(int nc, double gd, double gw, double[][]? anchors, params LayerSpec[] layers) =>
        new(nc, gd, gw, anchors?.Select(a => (IReadOnlyList<double>)a).ToList(), anchors is null ? 3 : anchors[0].Length / 2, 3,
            layers.Select((l, i) => l with { Index = i }).ToList(), null);

    public static LayerSpec L(int from, int n, string module, params object?[] args) => L(new[] { from }, n, module, args);

    public static LayerSpec L(int[] from, int n, string module, params object?[] args) =>
        new(0, from, n, module, args.Select(a => a is int i ? (long)i : a).ToList());

    public static LayerSpec Up() => L(-1, 1, "nn.Upsample", "None", 2, "nearest");
}
