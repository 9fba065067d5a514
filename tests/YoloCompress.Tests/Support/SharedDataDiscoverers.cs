using Xunit.Abstractions;
using Xunit.Sdk;

namespace YoloCompress.Tests.Support;

/// <summary>Discovers a <see cref="SharedDataFactAttribute"/> test: as a plain fact, or, when its data is
/// required but missing, as a test case that fails with the attribute's message without running.</summary>
public sealed class SharedDataFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        factAttribute.GetNamedArgument<string?>(nameof(SharedDataFactAttribute.MissingData)) is { } missing
            ? [MissingDataCase.Create(DiagnosticMessageSink, discoveryOptions, testMethod, missing)]
            : base.Discover(discoveryOptions, testMethod, factAttribute);
}

/// <summary>Discovers a <see cref="SharedDataTheoryAttribute"/> test; see <see cref="SharedDataFactDiscoverer"/>.</summary>
public sealed class SharedDataTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        theoryAttribute.GetNamedArgument<string?>(nameof(SharedDataTheoryAttribute.MissingData)) is { } missing
            ? [MissingDataCase.Create(DiagnosticMessageSink, discoveryOptions, testMethod, missing)]
            : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}

internal static class MissingDataCase
{
    public static IXunitTestCase Create(IMessageSink sink, ITestFrameworkDiscoveryOptions options, ITestMethod method, string missing) =>
        new ExecutionErrorTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method,
            $"{missing}; {SharedData.RequireVariable}=1 makes this a failure");
}
