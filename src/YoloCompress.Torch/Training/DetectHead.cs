using Onnx;
using YoloCompress.Core.Quantization;

namespace YoloCompress.Torch.Training;

/// <summary>The Detect convolutions of a YOLO graph, found structurally: the convs whose outputs the decode tail
/// reads (<see cref="DecodeTail"/>), in graph order. Their outputs are [batch, anchors * (5 + classes), ny, nx].</summary>
internal sealed record DetectHead(IReadOnlyList<string> Outputs, int Anchors, int Classes)
{
    public static DetectHead Find(ModelProto model)
    {
        var tail = DecodeTail.Find(model.Graph).SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        var convs = model.Graph.Node.Where(n => n.OpType == "Conv" && tail.Contains(n.Output[0])).ToList();
        if (convs.Count == 0) throw new InvalidOperationException("The model has no Detect head: no convolution feeds the decode tail.");
        // The decode's first Reshape after each conv names the layout: [-1, anchors, 5 + classes, ny, nx] right after the conv
        // (ultralytics), or [-1, ny * nx, anchors, 5 + classes] after our sigmoid and channels-last transpose.
        var value = convs[0].Output[0];
        bool channelsLast = false;
        while (model.Graph.Node.FirstOrDefault(n => n.Input.Count > 0 && n.Input[0] == value && n.OpType is "Sigmoid" or "Transpose") is { } step)
        {
            channelsLast |= step.OpType == "Transpose";
            value = step.Output[0];
        }
        var reshape = model.Graph.Node.FirstOrDefault(n => n.OpType == "Reshape" && n.Input[0] == value)
            ?? throw new InvalidOperationException($"Detect conv '{convs[0].Name}' is not followed by the decode's Reshape.");
        // The shape is an initializer (our graphs) or a Constant node (the reference exporter's).
        var shapeInit = model.Graph.Initializer.FirstOrDefault(i => i.Name == reshape.Input[1])
            ?? model.Graph.Node.FirstOrDefault(n => n.OpType == "Constant" && n.Output[0] == reshape.Input[1])?.Attribute.FirstOrDefault(a => a.Name == "value")?.T
            ?? throw new InvalidOperationException($"Reshape '{reshape.Name}' has no constant shape.");
        var shape = Core.OnnxModel.OnnxTensors.ToInt64Array(shapeInit);
        var (anchors, outputs) = (channelsLast, shape.Length) switch
        {
            (false, 5) => (shape[1], shape[2]),
            (true, 4) => (shape[2], shape[3]),
            _ => throw new InvalidOperationException($"Reshape '{reshape.Name}' has shape [{string.Join(", ", shape)}], expected [batch, anchors, outputs, ny, nx] or, channels last, [batch, cells, anchors, outputs]."),
        };
        return new DetectHead(convs.Select(c => c.Output[0]).ToList(), (int)anchors, (int)outputs - 5);
    }
}
