using YoloCompress.Core.Graph;
using static YoloCompress.Tests.Graph.ReferenceArchitectures;

namespace YoloCompress.Tests.Graph;

/// <summary>Forks and hand edits the builder cannot rebuild fail with one coded line naming the layer and the module.</summary>
public class ModuleErrorTests
{
    /// <summary>Conv, the module under test at layer 1, Conv, Detect (one level, stride 4).</summary>
    private static Core.Checkpoints.ModelArchitecture Small(string module, params object?[] args) => Arch(2, 1.0, 1.0, null,
        L(-1, 1, "Conv", 8, 3, 2), L(-1, 1, module, args), L(-1, 1, "Conv", 16, 3, 2), L(new[] { 2 }, 1, "Detect", "nc", "anchors"));

    [Theory]
    [InlineData("C2f")]          // YOLOv8's block in a fork's yaml
    [InlineData("MixConv2d")]    // models/experimental.py, in parse_model's list but in no released yaml
    [InlineData("Contract")]
    [InlineData("nn.BatchNorm2d")]
    public void A_module_outside_the_catalog_is_yc0016_naming_layer_and_module(string module)
    {
        // The weights are a plain Conv's; the yaml names the fork's module at layer 1.
        var ckpt = SyntheticYolo.Create(Small("Conv", 8L, 3L, 1L), new[] { 4f });
        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(ckpt with { Architecture = Small(module, 8L) }, 64));
        Assert.Equal("YC0016", e.Diagnostic.Code);
        Assert.Equal(1, e.LayerIndex);
        Assert.Contains($"layer 1 [-1, 1, {module}, [8]]: module '{module}' is not a YOLOv5 module this tool knows", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_activation_the_builder_cannot_write_is_yc0016_naming_its_module()
    {
        var ckpt = SyntheticYolo.Create(Small("Conv", 8L, 3L, 1L), new[] { 4f },
            edit: s => s.Module("model.1.act", "torch.nn.modules.activation.GELU", ("approximate", "none")));
        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(ckpt, 64));
        Assert.Equal("YC0016", e.Diagnostic.Code);
        Assert.Contains("layer 1", e.Message);
        Assert.Contains("activation torch.nn.modules.activation.GELU at 'model.1.act' is not supported", e.Message);
    }

    [Fact]
    public void A_fork_that_redefines_a_known_module_is_yc0017_naming_the_tensor()
    {
        // A "C3" whose cv3 is wider than models/common.py's C3 builds it.
        var ckpt = SyntheticYolo.Create(Small("C3", 8L), new[] { 4f }, edit: s => s.Conv("model.1.cv3", 8, 12, 1, 1));
        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(ckpt, 64));
        Assert.Equal("YC0017", e.Diagnostic.Code);
        Assert.Contains("'model.1.cv3.conv.weight' has shape [12, 8, 1, 1] in the checkpoint, but the architecture implies [8, 8, 1, 1]", e.Message);
    }

    [Fact]
    public void A_batch_first_attention_is_refused()
    {
        var ckpt = SyntheticYolo.Create(Small("C3TR", 8L), new[] { 4f },
            edit: s => s.Module("model.1.m.tr.0.ma", "torch.nn.modules.activation.MultiheadAttention", ("embed_dim", 4L), ("num_heads", 4L), ("batch_first", true)));
        var e = Assert.Throws<YoloGraphException>(() => YoloGraphBuilder.Build(ckpt, 64));
        Assert.Contains("'model.1.m.tr.0.ma' is batch_first", e.Message);
    }
}
