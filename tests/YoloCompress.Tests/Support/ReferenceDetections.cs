using System.Text.Json;

namespace YoloCompress.Tests.Support;

/// <summary>What the reference implementation detects on bus.jpg and zidane.jpg with the float yolov5n
/// (reference/yolov5n-detections.json: square 640 letterbox, confidence 0.25, NMS IoU 0.45), and facts
/// about its raw output, read as the file states them.</summary>
internal static class ReferenceDetections
{
    /// <summary>One detection: class, name, confidence, box in original pixels (xyxy).</summary>
    public sealed record Detection(int Cls, string Name, double Conf, double[] Xyxy);

    /// <summary>The raw output tensor <c>[25200, 85]</c>: its shape, sum, largest objectness and its row,
    /// and the first row's first values (rounded to 5 decimals).</summary>
    public sealed record RawOutput(int[] Shape, double Sum, double MaxObjectness, double[] Row0, int RowMaxObj);

    /// <summary>One image: its size, the detections best first, the raw output facts.</summary>
    public sealed record Entry(string Image, int Width, int Height, Detection[] Detections, RawOutput RawOutput);

    public static TheoryData<string> Images => new() { "bus.jpg", "zidane.jpg" };

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
    };

    private static readonly Lazy<Entry[]> All = new(() =>
        JsonSerializer.Deserialize<Entry[]>(File.ReadAllText(TestData.Reference("yolov5n-detections.json")), Json)!);

    public static Entry For(string image) => All.Value.Single(r => r.Image == image);
}
