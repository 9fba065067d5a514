using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Graph;

/// <summary>A checkpoint that disagrees with its architecture, or uses a module the builder does not know,
/// fails with a message naming the layer (and both shapes).</summary>
public class GraphBuilderErrorTests
{
    private static readonly Lazy<YoloCheckpoint> Yolov5n = new(() => CheckpointReader.Read(TestData.Yolov5n));

    [Fact]
    public void An_unknown_module_type_names_the_type_and_the_layer()
    {
        var ckpt = Yolov5n.Value;
        var layers = ckpt.Architecture.Layers.ToList();
        layers[8] = layers[8] with { Module = "C2f" };
        var edited = ckpt with { Architecture = ckpt.Architecture with { Layers = layers } };

        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(edited));
        Assert.Equal(8, e.LayerIndex);
        Assert.Equal("YC0016", e.Diagnostic.Code);
        Assert.Contains("layer 8 [-1, 3, C2f, [1024]]: module 'C2f' is not a YOLOv5 module this tool knows (it builds Conv, DWConv, GhostConv", e.Message);
        Assert.Contains(TestData.Yolov5n, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_tensor_of_the_wrong_size_names_the_layer_and_both_shapes()
    {
        var ckpt = Yolov5n.Value;
        var tensors = new SortedDictionary<string, CheckpointTensor>(ckpt.Tensors.ToDictionary(), NaturalPathComparer.Instance);
        tensors["model.3.conv.weight"] = new CheckpointTensor("model.3.conv.weight", new[] { 32, 32, 3, 3 }, new float[32 * 32 * 9]);
        var edited = ckpt with { Tensors = tensors };

        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(edited));
        Assert.Equal(3, e.LayerIndex);
        Assert.Equal("YC0017", e.Diagnostic.Code);
        Assert.Contains("layer 3 [-1, 1, Conv, [256, 3, 2]]", e.Message);
        Assert.Contains("'model.3.conv.weight' has shape [32, 32, 3, 3] in the checkpoint, but the architecture implies [64, 32, 3, 3]", e.Message);
    }

    [Fact]
    public void A_yaml_whose_width_disagrees_with_the_weights_fails_at_the_first_layer()
    {
        var ckpt = Yolov5n.Value;
        var edited = ckpt with { Architecture = ckpt.Architecture with { WidthMultiple = 0.5 } };

        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(edited));
        Assert.Equal(0, e.LayerIndex);
        Assert.Contains("[16, 3, 6, 6] in the checkpoint, but the architecture implies [32, 3, 6, 6]", e.Message);
    }

    [Fact]
    public void A_yaml_whose_depth_disagrees_with_the_module_tree_fails_at_the_c3()
    {
        var ckpt = Yolov5n.Value;
        var edited = ckpt with { Architecture = ckpt.Architecture with { DepthMultiple = 1.0 } };

        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(edited));
        Assert.Equal(2, e.LayerIndex);
        Assert.Contains("'model.2.m' holds 1 blocks in the checkpoint, but the architecture implies 3", e.Message);
    }

    [Fact]
    public void A_module_of_another_class_than_the_yaml_says_is_named()
    {
        var ckpt = Yolov5n.Value;
        var layers = ckpt.Architecture.Layers.ToList();
        layers[2] = layers[2] with { Module = "C3x" };
        var edited = ckpt with { Architecture = ckpt.Architecture with { Layers = layers } };

        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(edited));
        Assert.Equal(2, e.LayerIndex);
        Assert.Contains("module 'model.2' is models.common.C3 in the checkpoint, but the architecture implies C3x", e.Message);
    }

    [Fact]
    public void A_weight_the_yaml_does_not_use_is_reported()
    {
        var ckpt = Yolov5n.Value;
        var tensors = new SortedDictionary<string, CheckpointTensor>(ckpt.Tensors.ToDictionary(), NaturalPathComparer.Instance);
        tensors["model.9.cv3.conv.weight"] = new CheckpointTensor("model.9.cv3.conv.weight", new[] { 1 }, new float[1]);
        var edited = ckpt with { Tensors = tensors };

        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(edited));
        Assert.Contains("not part of the network the yaml describes: model.9.cv3.conv.weight", e.Message);
    }
}
