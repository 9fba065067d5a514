using YoloCompress.Torch.Benchmarks;

return args.FirstOrDefault() switch
{
    "distill" => DistillBenchmark.Run(args[1..]),
    "profiles" => ProfileBenchmark.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project tests/YoloCompress.Torch.Benchmarks -- distill [--ratio 0.25] [--epochs 5] [--size 320] [--batch 8] [--lr 0.001] [--optimizer sgd|adamw] [--eval N] [--seed 0] [--threads 0] [--train 64] [--eval-each-epoch true] [--out DIR]\n" +
        "       dotnet run -c Release --project tests/YoloCompress.Torch.Benchmarks -- profiles [--train 64] [--runs 30] [--keep 'float32,int8,...'] [--set Name=Value,...] [--variants 'NAME,PROFILE,Name=Value,...|...'] [--out DIR]");
    return 2;
}
