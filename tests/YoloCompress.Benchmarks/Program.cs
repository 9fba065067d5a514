using YoloCompress.Benchmarks;

// One subcommand a benchmark. Run in Release: dotnet run -c Release --project tests/YoloCompress.Benchmarks -- prune
var commands = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["prune"] = PruneBenchmark.Run,
    ["prune-plot"] = PruneBenchmark.PlotFromCsv,
    ["prune-experiment"] = PruneExperiment.Run,
    // Quantization: the float-vs-variants table, and development aids behind it.
    ["quant"] = QuantBenchmark.Run,
    [QuantBenchmark.ChildCommand] = QuantBenchmark.Child,
    ["quant-explore"] = QuantExplore.Run,
    ["inspect"] = Inspect.Run,
    ["latency"] = InterleavedLatency.Run,
    ["sizes"] = Sizes.Run,
    ["fuzz"] = FuzzBenchmark.Run,
    ["scale"] = ScaleBenchmark.Run,
    ["geometry"] = GeometryBenchmark.Run,
    [ScaleBenchmark.ChildCommand] = ScaleBenchmark.Child,
    // The runtime as apps call it: whole-path frames per second against ONNX Runtime's bare Run.
    ["runtime"] = RuntimeBenchmark.Run,
};
if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine($"usage: YoloCompress.Benchmarks <{string.Join("|", commands.Keys)}> [options]");
    return 2;
}
return command(args[1..]);
