namespace YoloCompress.Core.Diagnostics;

/// <summary>A failure the user can fix, carrying its diagnostic (code, message, origin).
/// Anything else thrown is a bug and is reported as YC0030 with its stack in verbose output.</summary>
public class YoloCompressException : Exception
{
    public YoloCompressException(Diagnostic diagnostic, Exception? inner = null)
        : base(diagnostic.Message, inner)
    {
        Diagnostic = diagnostic;
    }

    public YoloCompressException(DiagnosticDescriptor descriptor, string message, DiagnosticOrigin? origin = null, Exception? inner = null)
        : this(new Diagnostic(descriptor, message, origin), inner)
    {
    }

    public Diagnostic Diagnostic { get; }

    public string Code => Diagnostic.Code;

    public DiagnosticOrigin? Origin => Diagnostic.Origin;
}
