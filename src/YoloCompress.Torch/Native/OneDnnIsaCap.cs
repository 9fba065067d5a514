using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace YoloCompress.Torch.Native;

/// <summary>Caps oneDNN, which libtorch's CPU convolutions run on, at AVX2 on AMD processors with AVX-512. Measured on an
/// AMD EPYC (Zen, avx512_bf16 and avx512_vp2intersect): libtorch 2.10's conv2d intermittently returned NaN for finite inputs
/// and weights (the same pruned yolov5n layer, the same images, at one thread or two; within 20 forward passes in 4 runs of
/// 4), so distillation failed at its first steps; with ONEDNN_MAX_CPU_ISA=AVX2 60 passes in 3 runs were clean. Intel's
/// AVX-512 ran clean, so the cap applies to AMD only, and never over a value the user set. The variable must reach the
/// native environment before oneDNN creates its first primitive: .NET's Environment.SetEnvironmentVariable does not reach
/// getenv on Unix, so setenv is called.</summary>
internal static class OneDnnIsaCap
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA", Value = "AVX2";

    /// <summary>Sets the cap where <see cref="IsNeeded"/> says so.</summary>
    public static void Apply()
    {
        if (OperatingSystem.IsLinux() && IsNeeded(Vendor(), Avx512F.IsSupported, Environment.GetEnvironmentVariable(Variable))
            && setenv(Variable, Value, overwrite: 0) == 0)
            Environment.SetEnvironmentVariable(Variable, Value); // the managed copy, for child processes and diagnostics
    }

    /// <summary>AMD with AVX-512, and no cap chosen by the user (<paramref name="userValue"/> null).</summary>
    internal static bool IsNeeded(string vendor, bool avx512, string? userValue) =>
        vendor == "AuthenticAMD" && avx512 && userValue is null;

    private static string Vendor()
    {
        if (!X86Base.IsSupported) return "";
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), ecx);
        return Encoding.ASCII.GetString(bytes);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
