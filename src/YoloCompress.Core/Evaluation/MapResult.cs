using System.Globalization;
using System.Text;

namespace YoloCompress.Core.Evaluation;

/// <summary>Accuracy of one class.</summary>
/// <param name="ClassId">The class.</param>
/// <param name="Name">Its name.</param>
/// <param name="Images">Images with at least one label of this class.</param>
/// <param name="Instances">Labels of this class.</param>
/// <param name="Precision">Precision at the confidence of maximum mean F1.</param>
/// <param name="Recall">Recall at that confidence.</param>
/// <param name="Ap50">AP at IoU 0.5.</param>
/// <param name="Ap50To95">AP averaged over IoU 0.50:0.05:0.95.</param>
public sealed record ClassAccuracy(int ClassId, string Name, int Images, int Instances,
    double Precision, double Recall, double Ap50, double Ap50To95);

/// <summary>The accuracy of a detector on a labelled set, as ultralytics <c>val.py</c> reports it.</summary>
/// <param name="Images">Images evaluated.</param>
/// <param name="Instances">Labels (after de-duplication).</param>
/// <param name="Precision">Mean precision over classes at the confidence of maximum mean F1.</param>
/// <param name="Recall">Mean recall at that confidence.</param>
/// <param name="Map50">mAP@0.5: mean over the classes present in the labels.</param>
/// <param name="Map50To95">mAP@0.5:0.95.</param>
/// <param name="PerClass">One entry per class present in the labels, by class id.</param>
public sealed record MapResult(int Images, int Instances, double Precision, double Recall,
    double Map50, double Map50To95, IReadOnlyList<ClassAccuracy> PerClass)
{
    /// <summary>Elapsed time of the evaluation (zero when not measured).</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>A table like the reference validator's.</summary>
    public string ToTable()
    {
        var sb = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        sb.AppendLine(string.Format(c, "{0,20}{1,11}{2,11}{3,11}{4,11}{5,11}{6,11}", "Class", "Images", "Instances", "P", "R", "mAP50", "mAP50-95"));
        sb.AppendLine(string.Format(c, "{0,20}{1,11}{2,11}{3,11:0.000}{4,11:0.000}{5,11:0.000}{6,11:0.000}", "all", Images, Instances, Precision, Recall, Map50, Map50To95));
        foreach (var k in PerClass)
            sb.AppendLine(string.Format(c, "{0,20}{1,11}{2,11}{3,11:0.000}{4,11:0.000}{5,11:0.000}{6,11:0.000}", k.Name, k.Images, k.Instances, k.Precision, k.Recall, k.Ap50, k.Ap50To95));
        return sb.ToString();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"mAP@0.5 {Map50:0.000}, mAP@0.5:0.95 {Map50To95:0.000}, P {Precision:0.000}, R {Recall:0.000} ({Images} images, {Instances} labels)");
}
