using YoloCompress.Benchmarks;

// dotnet run -c Release --project tests/YoloCompress.Benchmarks -- quant [options]   (see QuantBenchmark)
return args.FirstOrDefault() switch
{
    "quant" or "bench-quant" => QuantBenchmark.Run(args[1..]),
    QuantBenchmark.ChildCommand => QuantBenchmark.Child(args[1..]),
    "inspect" => Inspect.Run(args[1..]),
    "sizes" => Sizes.Run(args[1..]),
    "latency" => InterleavedLatency.Run(args[1..]),
    "quant-explore" => QuantExplore.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: YoloCompress.Benchmarks quant [--weights PT] [--calibration-images N] [--eval-images N] [--variants a,b] [--runs N] [--keep-float P]...");
    return 2;
}
