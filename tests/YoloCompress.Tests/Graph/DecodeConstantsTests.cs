using YoloCompress.Core.Checkpoints;
using YoloCompress.Core.Graph;
using YoloCompress.Core.OnnxModel;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Graph;

/// <summary>Opset-12 models carry the decode constants at full size (OpenCV 4.6 cannot broadcast the compact ones);
/// the values the model computes do not change.</summary>
public sealed class DecodeConstantsTests
{
    [Fact]
    public void At_opset_12_the_grids_are_expanded_and_the_outputs_are_the_same()
    {
        var folded = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n), 320));
        var compact = OpsetConversion.Convert(folded, 12);
        var expanded = DecodeConstants.ExpandForOldConsumers(OpsetConversion.Convert(folded, 12));

        var grids = expanded.Graph.Initializer.Where(t => t.Name.EndsWith(".grid", StringComparison.Ordinal) || t.Name.EndsWith(".anchor_grid", StringComparison.Ordinal)).ToList();
        Assert.Equal(6, grids.Count);
        // 320 / 8 = 40: the stride-8 level has 1600 cells for each of its 3 anchors.
        Assert.Contains(grids, t => t.Dims.SequenceEqual(new long[] { 1, 3, 1600, 2 }));
        Assert.All(grids, t => Assert.Equal(3, t.Dims[1]));

        var input = OrtRunner.RandomImage(320, seed: 11);
        Assert.Equal(OrtRunner.Run(compact, input, 320).Data, OrtRunner.Run(expanded, input, 320).Data);
    }

    [Fact]
    public void From_opset_13_the_compact_constants_stay()
    {
        var folded = BatchNormFolding.Fold(YoloGraphBuilder.Build(CheckpointReader.Read(TestData.Yolov5n), 320));
        var model = DecodeConstants.ExpandForOldConsumers(OpsetConversion.Convert(folded, 13));
        Assert.All(model.Graph.Initializer.Where(t => t.Name.EndsWith(".grid", StringComparison.Ordinal)), t => Assert.Equal(1, t.Dims[1]));
    }
}
