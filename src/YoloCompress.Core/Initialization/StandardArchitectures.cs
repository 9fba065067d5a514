namespace YoloCompress.Core.Initialization;

/// <summary>The official YOLOv5 v6.0-v7.0 architectures: models/yolov5{n,s,m,l,x}.yaml (P3-P5, trained at 640)
/// and models/hub/yolov5{n,s,m,l,x}6.yaml (P3-P6, stride 64, trained at 1280), as yaml.safe_load reads them
/// (the dictionary a checkpoint pickles as its model's <c>yaml</c>).</summary>
public static class StandardArchitectures
{
    /// <summary>The names <c>init --arch</c> takes, smallest first.</summary>
    public static IReadOnlyList<string> Names { get; } =
        new[] { "yolov5n", "yolov5s", "yolov5m", "yolov5l", "yolov5x", "yolov5n6", "yolov5s6", "yolov5m6", "yolov5l6", "yolov5x6" };

    private static readonly Dictionary<char, (double Depth, double Width)> Multiples = new()
    {
        ['n'] = (0.33, 0.25), ['s'] = (0.33, 0.50), ['m'] = (0.67, 0.75), ['l'] = (1.0, 1.0), ['x'] = (1.33, 1.25),
    };

    /// <summary>The yaml dictionary of <paramref name="name"/> (one of <see cref="Names"/>) with nc =
    /// <paramref name="classes"/>; throws <see cref="ArgumentException"/> listing the names for any other.</summary>
    public static Dictionary<object, object?> Yaml(string name, int classes = 80)
    {
        if (!Names.Contains(name))
            throw new ArgumentException($"'{name}' is not a standard architecture; use one of {string.Join(", ", Names)}.", nameof(name));
        var (depth, width) = Multiples[name[6]];
        bool p6 = name.EndsWith('6');
        return new Dictionary<object, object?>
        {
            ["nc"] = (long)classes,
            ["depth_multiple"] = depth,
            ["width_multiple"] = width,
            ["anchors"] = p6 ? P6Anchors() : P5Anchors(),
            ["backbone"] = p6 ? P6Backbone() : P5Backbone(),
            ["head"] = p6 ? P6Head() : P5Head(),
        };
    }

    /// <summary>The image size ultralytics trains the architecture at: 1280 for the P6 models, else 640.</summary>
    public static int TrainingImageSize(string name) => name.EndsWith('6') ? 1280 : 640;

    private static List<object?> P5Anchors() => Levels(new long[] { 10, 13, 16, 30, 33, 23 }, new long[] { 30, 61, 62, 45, 59, 119 }, new long[] { 116, 90, 156, 198, 373, 326 });

    private static List<object?> P6Anchors() => Levels(new long[] { 19, 27, 44, 40, 38, 94 }, new long[] { 96, 68, 86, 152, 180, 137 },
        new long[] { 140, 301, 303, 264, 238, 542 }, new long[] { 436, 615, 739, 380, 925, 792 });

    private static List<object?> P5Backbone() => new()
    {
        L(-1, 1, "Conv", 64, 6, 2, 2), L(-1, 1, "Conv", 128, 3, 2), L(-1, 3, "C3", 128), L(-1, 1, "Conv", 256, 3, 2),
        L(-1, 6, "C3", 256), L(-1, 1, "Conv", 512, 3, 2), L(-1, 9, "C3", 512), L(-1, 1, "Conv", 1024, 3, 2),
        L(-1, 3, "C3", 1024), L(-1, 1, "SPPF", 1024, 5),
    };

    private static List<object?> P5Head() => new()
    {
        L(-1, 1, "Conv", 512, 1, 1), Upsample(), L(new long[] { -1, 6 }, 1, "Concat", 1), L(-1, 3, "C3", 512, false),
        L(-1, 1, "Conv", 256, 1, 1), Upsample(), L(new long[] { -1, 4 }, 1, "Concat", 1), L(-1, 3, "C3", 256, false),
        L(-1, 1, "Conv", 256, 3, 2), L(new long[] { -1, 14 }, 1, "Concat", 1), L(-1, 3, "C3", 512, false),
        L(-1, 1, "Conv", 512, 3, 2), L(new long[] { -1, 10 }, 1, "Concat", 1), L(-1, 3, "C3", 1024, false),
        L(new long[] { 17, 20, 23 }, 1, "Detect", "nc", "anchors"),
    };

    private static List<object?> P6Backbone() => new()
    {
        L(-1, 1, "Conv", 64, 6, 2, 2), L(-1, 1, "Conv", 128, 3, 2), L(-1, 3, "C3", 128), L(-1, 1, "Conv", 256, 3, 2),
        L(-1, 6, "C3", 256), L(-1, 1, "Conv", 512, 3, 2), L(-1, 9, "C3", 512), L(-1, 1, "Conv", 768, 3, 2),
        L(-1, 3, "C3", 768), L(-1, 1, "Conv", 1024, 3, 2), L(-1, 3, "C3", 1024), L(-1, 1, "SPPF", 1024, 5),
    };

    private static List<object?> P6Head() => new()
    {
        L(-1, 1, "Conv", 768, 1, 1), Upsample(), L(new long[] { -1, 8 }, 1, "Concat", 1), L(-1, 3, "C3", 768, false),
        L(-1, 1, "Conv", 512, 1, 1), Upsample(), L(new long[] { -1, 6 }, 1, "Concat", 1), L(-1, 3, "C3", 512, false),
        L(-1, 1, "Conv", 256, 1, 1), Upsample(), L(new long[] { -1, 4 }, 1, "Concat", 1), L(-1, 3, "C3", 256, false),
        L(-1, 1, "Conv", 256, 3, 2), L(new long[] { -1, 20 }, 1, "Concat", 1), L(-1, 3, "C3", 512, false),
        L(-1, 1, "Conv", 512, 3, 2), L(new long[] { -1, 16 }, 1, "Concat", 1), L(-1, 3, "C3", 768, false),
        L(-1, 1, "Conv", 768, 3, 2), L(new long[] { -1, 12 }, 1, "Concat", 1), L(-1, 3, "C3", 1024, false),
        L(new long[] { 23, 26, 29, 32 }, 1, "Detect", "nc", "anchors"),
    };

    private static List<object?> Levels(params long[][] levels) => levels.Select(l => (object?)l.Cast<object?>().ToList()).ToList();

    // yaml.safe_load reads the head's "nn.Upsample, [None, 2, 'nearest']" with None as the string 'None'.
    private static List<object?> Upsample() => L(-1, 1, "nn.Upsample", "None", 2, "nearest");

    private static List<object?> L(long from, long number, string module, params object[] args) => L((object)from, number, module, args);

    private static List<object?> L(long[] from, long number, string module, params object[] args) =>
        L(from.Cast<object?>().ToList(), number, module, args);

    private static List<object?> L(object from, long number, string module, object[] args) =>
        new() { from, number, module, args.Select(a => a is int i ? (long)i : a).ToList() };
}
