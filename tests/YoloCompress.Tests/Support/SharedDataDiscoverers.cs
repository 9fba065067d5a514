using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace YoloCompress.Tests.Support;

/// <summary>Discovers a <see cref="SharedDataFactAttribute"/> test: as a plain fact; as a skipped one
/// whose name carries the reason when the data is missing (dotnet test's default output prints only
/// the names of skipped tests); or, when the data is required but missing, as a test case that fails
/// with the attribute's message without running.</summary>
public sealed class SharedDataFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        MissingDataCase.Discover(DiagnosticMessageSink, discoveryOptions, testMethod, factAttribute)
            ?? base.Discover(discoveryOptions, testMethod, factAttribute);
}

/// <summary>Discovers a <see cref="SharedDataTheoryAttribute"/> test; see <see cref="SharedDataFactDiscoverer"/>.
/// A theory without its data is one test case: its member data (which may list shared files) is not read.</summary>
public sealed class SharedDataTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        MissingDataCase.Discover(DiagnosticMessageSink, discoveryOptions, testMethod, theoryAttribute)
            ?? base.Discover(discoveryOptions, testMethod, theoryAttribute);
}

internal static class MissingDataCase
{
    /// <summary>The one test case of a test whose shared data is missing; null when it is there.</summary>
    public static IXunitTestCase[]? Discover(IMessageSink sink, ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute)
    {
        if (attribute.GetNamedArgument<string?>(nameof(SharedDataFactAttribute.MissingData)) is { } missing)
            return [new ExecutionErrorTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method,
                $"{missing}; {SharedData.RequireVariable}=1 makes this a failure")];
        if (attribute.GetNamedArgument<string?>(nameof(FactAttribute.Skip)) is not null)
            return [new SkippedForDataTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method)];
        return null;
    }
}

/// <summary>A skipped test case whose display name ends with its skip reason.</summary>
public sealed class SkippedForDataTestCase : XunitTestCase
{
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer only.")]
    public SkippedForDataTestCase()
    {
    }

    public SkippedForDataTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions, ITestMethod method)
        : base(sink, display, displayOptions, method)
    {
    }

    protected override string GetDisplayName(IAttributeInfo factAttribute, string displayName) =>
        $"{base.GetDisplayName(factAttribute, displayName)} [{GetSkipReason(factAttribute)}]";
}
