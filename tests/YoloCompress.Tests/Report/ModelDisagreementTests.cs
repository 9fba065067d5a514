using YoloCompress.Core.Report;
using YoloCompress.Runtime;

namespace YoloCompress.Tests.Report;

/// <summary>How much two models' detections on one image differ: unmatched detections count one each, matched
/// pairs (same class, IoU at least 0.5) 1 - IoU.</summary>
public sealed class ModelDisagreementTests
{
    private static Detection Box(int classId, float x1, float y1, float x2, float y2) => new(classId, $"class{classId}", 0.9f, new BoundingBox(x1, y1, x2, y2));

    [Fact]
    public void The_same_detections_agree_completely() =>
        Assert.Equal(0, ModelDisagreement.Score([Box(0, 0, 0, 10, 10), Box(2, 20, 20, 40, 40)], [Box(2, 20, 20, 40, 40), Box(0, 0, 0, 10, 10)]));

    [Fact]
    public void A_missed_object_and_an_extra_one_count_one_each() =>
        Assert.Equal(2, ModelDisagreement.Score([Box(0, 0, 0, 10, 10), Box(1, 50, 50, 60, 60)], [Box(0, 0, 0, 10, 10), Box(3, 80, 80, 90, 90)]));

    [Fact]
    public void A_shifted_box_costs_one_minus_its_iou_and_another_class_does_not_match()
    {
        // [0,10]x[0,10] against [0,10]x[2,12]: overlap 80, union 120, IoU 2/3.
        Assert.Equal(1 - 2.0 / 3, ModelDisagreement.Score([Box(0, 0, 0, 10, 10)], [Box(0, 0, 2, 10, 12)]), 5);
        Assert.Equal(2, ModelDisagreement.Score([Box(0, 0, 0, 10, 10)], [Box(1, 0, 0, 10, 10)]));
    }
}
