using Onnx;

namespace YoloCompress.Core.Pruning;

/// <summary>Drives structured pruning of one model (Torch-Pruning's pruner): builds the dependency graph,
/// scores channels with the chosen importance, decides what each group keeps, slices the model and runs the
/// training-free recovery. Statistics of the unpruned model over the calibration images are collected once
/// and reused by every <see cref="Prune"/> call, so trying several settings costs one calibration pass.</summary>
public sealed class ChannelPruner
{
    private readonly IEnumerable<float[]>? _calibration;
    private readonly int _threads;
    private ChannelStatistics? _statistics;
    private readonly Dictionary<int, ChannelStatistics> _matchStatistics = new();
    private readonly Dictionary<int, Dictionary<string, ChannelCovariance>> _covariances = new();

    /// <param name="model">The float model (working graph with BN, or BN folded); never modified.</param>
    /// <param name="calibration">Preprocessed calibration inputs (batch 1, the model's input shape), enumerated
    /// once per calibration pass; null when no activation criterion or recovery is wanted.</param>
    /// <param name="threads">ONNX Runtime intra-op threads for calibration passes; 0 lets it choose.</param>
    public ChannelPruner(ModelProto model, IEnumerable<float[]>? calibration = null, int threads = 0)
    {
        Model = model;
        Graph = DependencyGraph.Build(model);
        _calibration = calibration;
        _threads = threads;
    }

    public ModelProto Model { get; }

    public DependencyGraph Graph { get; }

    /// <summary>Statistics of the unpruned model: the tensors consumers of prunable groups read. Collected on
    /// first use.</summary>
    public ChannelStatistics Statistics => _statistics ??= CollectStatistics();

    public PruneResult Prune(PruneOptions options)
    {
        options.Validate();
        var notes = new List<string>();
        var importance = ChannelImportance.Create(options.Criterion, options.Seed);
        bool recovery = options.Recovery;
        if (recovery && _calibration is null)
        {
            notes.Add("Recovery needs calibration images and none were given; channels were removed without recovery.");
            recovery = false;
        }
        if (importance.NeedsCalibration && _calibration is null)
            throw new InvalidOperationException($"Setting PruneCriterion: '{importance.Name}' needs calibration images.");

        var ratios = GroupRatios(options);
        var context = new ImportanceContext(Graph, importance.NeedsCalibration ? Statistics : null);
        var scores = ratios.Where(r => r.Value > 0 || (options.Scope == "global" && r.Value < 0))
            .ToDictionary(r => r.Key, r => importance.Score(Graph.Groups[r.Key], context));
        notes.AddRange(context.Notes);

        var keepCounts = ratios.Where(r => r.Value > 0).ToDictionary(
            r => r.Key, r => RatioAllocation.KeepCount(Graph.Groups[r.Key].Size, r.Value, options.RoundTo));
        var globalGroups = ratios.Where(r => r.Value < 0).Select(r => (Graph.Groups[r.Key], scores[r.Key])).ToArray();
        if (globalGroups.Length > 0)
            foreach (var (g, keep) in RatioAllocation.GlobalKeepCounts(globalGroups, options.Ratio, options.RoundTo))
                keepCounts[g] = keep;

        var kept = new Dictionary<int, int[]>();
        foreach (var (g, keep) in keepCounts.OrderBy(k => k.Key))
            if (keep < Graph.Groups[g].Size) kept[g] = RatioAllocation.TopChannels(scores[g], keep);
        var plan = new PrunePlan(kept);
        var model = Apply(plan, recovery, options);
        var layers = Graph.Groups.Select(g => new PrunedLayer(g.Name, g.Size, g.Size - plan.Removed(g),
            (double)plan.Removed(g) / g.Size, g.IsPrunable ? null : g.Blockers[0])).ToArray();
        return new PruneResult(model, plan, layers, notes);
    }

    /// <summary>Slices the model to a plan and, with recovery, folds removed channels' means into consumers and
    /// matches every layer's output statistics to the unpruned model's.</summary>
    public ModelProto Apply(PrunePlan plan, bool recovery, PruneOptions? options = null)
    {
        options ??= new PruneOptions();
        if (plan.Kept.Count == 0) return Model.Clone();
        Func<string, double[]?>? means = recovery ? tensor => Statistics[tensor]?.Means() : null;
        Func<string, ChannelCovariance?>? covariance = recovery && options.Reconstruct
            ? tensor => ConvInputCovariances(options.ReconstructImages).GetValueOrDefault(tensor) : null;
        var pruned = ChannelSlicer.Apply(Graph, plan, means, covariance, out var keptPositions);
        if (recovery && options.MatchStatistics)
        {
            // Decoded once: every wave of the matching runs the model over these images again.
            var images = _calibration!.Take(options.MatchImages).ToArray();
            var tensors = MatchedTensors(options.MatchDetectOutputs);
            if (!_matchStatistics.TryGetValue(options.MatchImages, out var original))
                _matchStatistics[options.MatchImages] = original = ChannelStatistics.Collect(Model, MatchedTensors(true), images, _threads);
            StatisticsMatching.Apply(pruned, tensors, original, keptPositions, images, _threads);
        }
        return pruned;
    }

    /// <summary>Ratio per prunable group: protected 0, then exact group ratios, then the last matching
    /// override, else the global ratio; a negative value marks groups ranked globally.</summary>
    private Dictionary<int, double> GroupRatios(PruneOptions options)
    {
        var protect = options.Protect.Select(p => new NamePattern(p)).ToArray();
        var overrides = RatioAllocation.ParseOverrides(options.Overrides);
        var result = new Dictionary<int, double>();
        foreach (var group in Graph.PrunableGroups)
        {
            double ratio = options.Scope == "global" ? -1 : options.Ratio;
            foreach (var (pattern, r) in overrides)
                if (pattern.Matches(group)) ratio = r;
            if (options.GroupRatios?.TryGetValue(group.Name, out var exact) == true) ratio = exact;
            if (protect.Any(p => p.Matches(group))) ratio = 0;
            if (ratio < 0 && options.Ratio <= 0) ratio = 0;
            result[group.Id] = ratio;
        }
        return result;
    }

    /// <summary>Channel covariances of every tensor a prunable conv reads, over the first calibration images,
    /// collected in one pass on first use (centred on the statistics' means) and shared by later calls.</summary>
    private Dictionary<string, ChannelCovariance> ConvInputCovariances(int images)
    {
        if (_covariances.TryGetValue(images, out var cached)) return cached;
        var shifts = ConvInputTensors().ToDictionary(t => t, t => Statistics[t]!.Means());
        return _covariances[images] = ChannelCovariance.Collect(Model, shifts, _calibration!.Take(images), _threads);
    }

    private IReadOnlyList<string> MatchedTensors(bool includeDetectOutputs) =>
        StatisticsMatching.PreActivationTensors(Graph, includeDetectOutputs).ToArray();

    /// <summary>The tensors prunable convs read: what criteria score and recovery rebuilds.</summary>
    private IEnumerable<string> ConvInputTensors() =>
        Graph.PrunableGroups.SelectMany(g => g.Members)
            .Where(m => m.Role == MemberRole.ConvInput).Select(m => m.Tensor).Distinct();

    private ChannelStatistics CollectStatistics()
    {
        if (_calibration is null) throw new InvalidOperationException("No calibration images were given to the pruner.");
        return ChannelStatistics.Collect(Model, ConvInputTensors().Order(StringComparer.Ordinal).ToArray(), _calibration, _threads);
    }
}
