using Onnx;

namespace YoloCompress.Core.Pruning;

/// <summary>Drives structured pruning of one model (Torch-Pruning's pruner): builds the dependency graph,
/// scores channels with the chosen importance, decides what each group keeps, slices the model and runs the
/// Recovery is the next stage's (see the Recovery folder). Statistics of the unpruned model over the calibration images are collected once
/// and reused by every <see cref="Prune"/> call, so trying several settings costs one calibration pass.</summary>
public sealed class ChannelPruner
{
    private readonly IEnumerable<float[]>? _calibration;
    private readonly int _threads;
    private readonly ChannelGradientSource? _gradientSource;
    private ChannelStatistics? _statistics;
    private IReadOnlyDictionary<string, ChannelGradients>? _gradients;
    private Dictionary<int, double>? _macsPerChannel;

    /// <param name="model">The float model (working graph with BN, or BN folded); never modified.</param>
    /// <param name="calibration">Preprocessed calibration inputs (batch 1, the model's input shape), enumerated
    /// once per calibration pass; null when no activation criterion or recovery is wanted.</param>
    /// <param name="threads">ONNX Runtime intra-op threads for calibration passes; 0 lets it choose.</param>
    /// <param name="gradients">Channel gradients for the taylor criterion (the training backend's); null when not wanted.</param>
    public ChannelPruner(ModelProto model, IEnumerable<float[]>? calibration = null, int threads = 0, ChannelGradientSource? gradients = null)
    {
        Model = model;
        Graph = DependencyGraph.Build(model);
        _calibration = calibration;
        _threads = threads;
        _gradientSource = gradients;
    }

    public ModelProto Model { get; }

    /// <summary>The calibration inputs given, for the recover stage (which must see the same images).</summary>
    internal IEnumerable<float[]>? Calibration => _calibration;

    internal int Threads => _threads;

    public DependencyGraph Graph { get; }

    /// <summary>Statistics of the unpruned model: the tensors consumers of prunable groups read. Collected on
    /// first use.</summary>
    public ChannelStatistics Statistics => _statistics ??= CollectStatistics();

    public PruneResult Prune(PruneOptions options)
    {
        options.Validate();
        return options.TargetFlops is { } target ? PruneToFlops(options, target) : PruneByRatio(options);
    }

    /// <summary>The smallest ratio whose pruned model keeps at most <paramref name="target"/> of the convolution
    /// FLOPs, by bisection (rounding to <see cref="PruneOptions.RoundTo"/> makes FLOPs a step function of the ratio).</summary>
    private PruneResult PruneToFlops(PruneOptions options, double target)
    {
        long original = ModelCost.Of(Model).ConvMacs, budget = (long)(original * target);
        double low = 0, high = PruneOptions.MaxRatio;
        var best = PruneByRatio(options with { TargetFlops = null, Ratio = high });
        if (ModelCost.Of(best.Model).ConvMacs is var least && least > budget)
            return best.With(best.Model, [string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"PruneTargetFlops {target}: the largest ratio ({high}) keeps {(double)least / original:0.###} of the FLOPs (protected layers, overrides).")]);
        for (int i = 0; i < 12; i++)
        {
            double middle = (low + high) / 2;
            var trial = PruneByRatio(options with { TargetFlops = null, Ratio = middle });
            if (ModelCost.Of(trial.Model).ConvMacs <= budget) (high, best) = (middle, trial);
            else low = middle;
        }
        return best;
    }

    private PruneResult PruneByRatio(PruneOptions options)
    {
        var notes = new List<string>();
        var importance = ChannelImportance.Create(options.Criterion, options.Seed);
        if (importance.NeedsCalibration && _calibration is null)
            throw new InvalidOperationException($"Setting PruneCriterion: '{importance.Name}' needs calibration images.");
        if (importance.NeedsGradients && _gradientSource is null)
            throw new InvalidOperationException($"Setting PruneCriterion: '{importance.Name}' needs the training backend's gradients.");

        var ratios = GroupRatios(options);
        var context = new ImportanceContext(Graph, importance.NeedsCalibration ? Statistics : null,
            importance.NeedsGradients ? _gradients ??= _gradientSource!(Model, ConvInputTensors().Order(StringComparer.Ordinal).ToArray()) : null);
        var scores = ratios.Where(r => r.Value > 0 || (options.Scope == PruneScope.Global && r.Value < 0))
            .ToDictionary(r => r.Key, r => importance.Score(Graph.Groups[r.Key], context));
        notes.AddRange(context.Notes);

        var keepCounts = ratios.Where(r => r.Value > 0).ToDictionary(
            r => r.Key, r => RatioAllocation.KeepCount(Graph.Groups[r.Key].Size, r.Value, options.RoundTo));
        var globalGroups = ratios.Where(r => r.Value < 0).Select(r => (Graph.Groups[r.Key], scores[r.Key])).ToArray();
        if (importance.ComparableAcrossGroups && globalGroups.Length > 0)
        {
            // Loss per FLOP saved: the cheapest removals first (Group Fisher's allocation).
            var cost = _macsPerChannel ??= ModelCost.MacsPerChannel(Model, Graph);
            globalGroups = globalGroups.Select(g => (g.Item1, g.Item2.Select(v => v / Math.Max(1, cost[g.Item1.Id])).ToArray())).ToArray();
        }
        if (globalGroups.Length > 0)
            foreach (var (g, keep) in RatioAllocation.GlobalKeepCounts(globalGroups, options.Ratio, options.RoundTo, normalise: !importance.ComparableAcrossGroups))
                keepCounts[g] = keep;

        var kept = new Dictionary<int, int[]>();
        foreach (var (g, keep) in keepCounts.OrderBy(k => k.Key))
            if (keep < Graph.Groups[g].Size) kept[g] = RatioAllocation.TopChannels(scores[g], keep);
        return Apply(new PrunePlan(kept), notes);
    }

    /// <summary>Slices a copy of the model to a plan: the channels it removes are gone, nothing is rebuilt
    /// (that is the recover stage's work).</summary>
    public PruneResult Apply(PrunePlan plan, IReadOnlyList<string>? notes = null)
    {
        IReadOnlyDictionary<string, int[]> keptPositions = new Dictionary<string, int[]>();
        var model = plan.Kept.Count == 0 ? Model.Clone() : ChannelSlicer.Apply(Graph, plan, out keptPositions);
        var layers = Graph.Groups.Select(g => new PrunedLayer(g.Name, g.Size, g.Size - plan.Removed(g),
            (double)plan.Removed(g) / g.Size, g.IsPrunable ? null : g.Blockers[0])).ToArray();
        return new PruneResult(model, plan, layers, notes ?? [], keptPositions);
    }

    /// <summary>Ratio per prunable group: protected 0, then exact group ratios, then the last matching
    /// override, else the global ratio; a negative value marks groups ranked globally.</summary>
    private Dictionary<int, double> GroupRatios(PruneOptions options)
    {
        var result = new Dictionary<int, double>();
        foreach (var group in Graph.PrunableGroups)
        {
            double ratio = options.Scope == PruneScope.Global ? -1 : options.Ratio;
            foreach (var o in options.Overrides)
                if (group.Matches(o.Pattern)) ratio = o.Ratio;
            if (options.GroupRatios?.TryGetValue(group.Name, out var exact) == true) ratio = exact;
            if (options.Protect.Any(group.Matches)) ratio = 0;
            if (ratio < 0 && options.Ratio <= 0) ratio = 0;
            result[group.Id] = ratio;
        }
        return result;
    }

    /// <summary>The tensors prunable convs read: what criteria score and recovery rebuilds.</summary>
    internal IEnumerable<string> ConvInputTensors() =>
        Graph.PrunableGroups.SelectMany(g => g.Members)
            .Where(m => m.Role == MemberRole.ConvInput).Select(m => m.Tensor).Distinct();

    private ChannelStatistics CollectStatistics()
    {
        if (_calibration is null) throw new InvalidOperationException("No calibration images were given to the pruner.");
        return ChannelStatistics.Collect(Model, ConvInputTensors().Order(StringComparer.Ordinal).ToArray(), _calibration, _threads);
    }
}
