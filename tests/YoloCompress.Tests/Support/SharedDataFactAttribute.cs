using Xunit.Sdk;

namespace YoloCompress.Tests.Support;

/// <summary>A fact that needs files of the shared data, named relative to it
/// (<c>[SharedDataFact("weights/yolov5n-face-1cls.pt")]</c>). Without them it is skipped with the
/// reason, or fails with it where YOLOCOMPRESS_REQUIRE_SHARED_DATA=1 (see <see cref="SharedData"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("YoloCompress.Tests.Support.SharedDataFactDiscoverer", "YoloCompress.Tests")]
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(params string[] needs) => (Skip, MissingData) = SharedData.SkipOrFail(needs);

    /// <summary>Set when the data is missing and required: the discoverer turns the test into a failure with this message.</summary>
    public string? MissingData { get; }
}

/// <summary>A theory that needs files of the shared data; see <see cref="SharedDataFactAttribute"/>.
/// A skipped theory never enumerates its data, so member data may list shared files.</summary>
[AttributeUsage(AttributeTargets.Method)]
[XunitTestCaseDiscoverer("YoloCompress.Tests.Support.SharedDataTheoryDiscoverer", "YoloCompress.Tests")]
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute(params string[] needs) => (Skip, MissingData) = SharedData.SkipOrFail(needs);

    /// <summary>Set when the data is missing and required; see <see cref="SharedDataFactAttribute.MissingData"/>.</summary>
    public string? MissingData { get; }
}
