namespace YoloCompress.Benchmarks;

internal static class PruneBenchmark
{
    public static int Run(string[] args) => throw new NotImplementedException();
}
