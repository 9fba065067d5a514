using Onnx;
using YoloCompress.Core.OnnxModel;

namespace YoloCompress.Core.Pruning;

/// <summary>The channel dependencies of an ONNX graph (Torch-Pruning's DependencyGraph), derived op by op
/// from the graph itself, never from layer names. Every channel tensor gets a layout (which channel of which
/// space sits at each position); each op type's rule (<see cref="ChannelRules"/>) derives its outputs'
/// layouts and couples spaces; coupled spaces form the <see cref="Groups"/>. Anything a rule does not know
/// blocks the channels it touches, so an unknown graph is left unpruned rather than broken.</summary>
public sealed class DependencyGraph
{
    private readonly Dictionary<string, ChannelRef[]> _layouts;
    private readonly int[] _groupOfSpace;

    private DependencyGraph(ModelProto model, GraphIndex index, Dictionary<string, ChannelRef[]> layouts, int[] groupOfSpace, IReadOnlyList<PruningGroup> groups)
    {
        Model = model;
        Index = index;
        _layouts = layouts;
        _groupOfSpace = groupOfSpace;
        Groups = groups;
    }

    /// <summary>The model the graph was built from (not copied: do not modify it while the graph is used).</summary>
    public ModelProto Model { get; }

    internal GraphIndex Index { get; }

    /// <summary>Every group, prunable or not, in graph order of their first producer.</summary>
    public IReadOnlyList<PruningGroup> Groups { get; }

    public IEnumerable<PruningGroup> PrunableGroups => Groups.Where(g => g.IsPrunable);

    /// <summary>The group with this name (its first producer's node name), or null.</summary>
    public PruningGroup? Group(string name) => Groups.FirstOrDefault(g => g.Name == name);

    /// <summary>The channel layout of a tensor, or null when it carries no tracked channels.</summary>
    internal ChannelRef[]? Layout(string tensor) => _layouts.GetValueOrDefault(tensor);

    internal int GroupOf(ChannelRef channel) => _groupOfSpace[channel.Space];

    internal IEnumerable<string> TensorsWithLayout => _layouts.Keys;

    public static DependencyGraph Build(ModelProto model)
    {
        var builder = new Builder(model.Graph);
        builder.Run();
        return builder.Finish(model);
    }

    /// <summary>The propagation state the rules work on.</summary>
    internal sealed class Builder
    {
        private readonly List<int> _spaceSize = new();
        private readonly List<string> _spaceOrigin = new();
        private readonly List<List<string>> _spaceBlockers = new();
        private readonly List<int> _parent = new();
        private readonly List<(NodeProto Node, MemberRole Role, string Tensor, ChannelRef[] Layout)> _members = new();
        private readonly Dictionary<string, ChannelRef[]> _layouts = new();
        private readonly Dictionary<string, TensorProto> _constantNodes = new();

        public Builder(GraphProto graph)
        {
            Graph = graph;
            Index = new GraphIndex(graph);
        }

        public GraphProto Graph { get; }

        public GraphIndex Index { get; }

        public void Run()
        {
            foreach (var input in Graph.Input)
            {
                if (Index.IsInitializer(input.Name)) continue;
                var dims = input.Type?.TensorType?.Shape?.Dim;
                if (dims is { Count: 4 } && dims[1].DimValue > 0)
                {
                    var layout = NewSpace((int)dims[1].DimValue, input.Name);
                    Block(layout, $"graph input '{input.Name}'");
                    SetLayout(input.Name, layout);
                }
            }
            foreach (var node in Graph.Node)
            {
                if (node.OpType == "Constant" && node.Output.Count == 1 && OnnxNodes.Attribute(node, "value") is { T: { } t })
                    _constantNodes[node.Output[0]] = t;
                ChannelRules.For(node.OpType).Propagate(node, this);
            }
            foreach (var output in Graph.Output)
                if (Layout(output.Name) is { } layout) Block(layout, $"graph output '{output.Name}'");
            BlockDetectOutputConvs();
        }

        public ChannelRef[]? Layout(string tensor) => tensor.Length == 0 ? null : _layouts.GetValueOrDefault(tensor);

        public void SetLayout(string tensor, ChannelRef[]? layout)
        {
            if (layout is not null && tensor.Length > 0) _layouts[tensor] = layout;
        }

        /// <summary>A constant tensor (initializer or Constant node output), or null.</summary>
        public TensorProto? Constant(string name) =>
            Index.Initializer(name) ?? _constantNodes.GetValueOrDefault(name);

        /// <summary>True when exactly one node reads this initializer, so slicing it touches nothing else.</summary>
        public bool IsPrivateInitializer(string name) =>
            Index.IsInitializer(name) && Index.Consumers(name).Count == 1;

        public ChannelRef[] NewSpace(int size, string origin)
        {
            int id = _spaceSize.Count;
            _spaceSize.Add(size);
            _spaceOrigin.Add(origin);
            _spaceBlockers.Add(new List<string>());
            _parent.Add(id);
            var layout = new ChannelRef[size];
            for (int i = 0; i < size; i++) layout[i] = new ChannelRef(id, i);
            return layout;
        }

        public void AddMember(NodeProto node, MemberRole role, string tensor, ChannelRef[] layout) =>
            _members.Add((node, role, tensor, layout));

        /// <summary>Marks every space in a layout as not prunable, with the reason.</summary>
        public void Block(ChannelRef[]? layout, string reason)
        {
            if (layout is null) return;
            foreach (var space in layout.Select(c => c.Space).Distinct())
                if (!_spaceBlockers[space].Contains(reason)) _spaceBlockers[space].Add(reason);
        }

        /// <summary>Couples two layouts position by position (element-wise ops): channel i of one space
        /// must be channel i of the other. Layouts that do not align that way are blocked.</summary>
        public void Unify(ChannelRef[] a, ChannelRef[] b, NodeProto node)
        {
            bool aligned = a.Length == b.Length;
            for (int p = 0; aligned && p < a.Length; p++)
                aligned = a[p].Index == b[p].Index && _spaceSize[a[p].Space] == _spaceSize[b[p].Space];
            if (!aligned)
            {
                var reason = $"{node.OpType} node '{node.Name}' combines channels that do not align one to one";
                Block(a, reason);
                Block(b, reason);
                return;
            }
            for (int p = 0; p < a.Length; p++) Union(a[p].Space, b[p].Space);
        }

        private int Find(int s)
        {
            while (_parent[s] != s) s = _parent[s] = _parent[_parent[s]];
            return s;
        }

        private void Union(int a, int b)
        {
            a = Find(a);
            b = Find(b);
            if (a == b) return;
            if (b < a) (a, b) = (b, a);
            _parent[b] = a; // the older space stays root, so a group is named after its first producer
        }

        /// <summary>Detect's output convs, found structurally: convs whose output reaches a graph output
        /// without passing another Conv. Their outputs are the detection layout and must keep every channel.</summary>
        private void BlockDetectOutputConvs()
        {
            var seen = new HashSet<string>();
            var stack = new Stack<string>(Graph.Output.Select(o => o.Name));
            while (stack.Count > 0)
            {
                var tensor = stack.Pop();
                if (!seen.Add(tensor)) continue;
                var producer = Index.Producer(tensor);
                if (producer is null) continue;
                if (producer.OpType is "Conv" or "ConvTranspose")
                {
                    Block(Layout(tensor), $"Detect output conv '{producer.Name}' (its output reaches the graph output with no Conv in between)");
                    continue;
                }
                foreach (var input in producer.Input)
                    if (input.Length > 0 && !Index.IsInitializer(input)) stack.Push(input);
            }
        }

        public DependencyGraph Finish(ModelProto model)
        {
            int spaces = _spaceSize.Count;
            var roots = new Dictionary<int, int>();
            var groupOfSpace = new int[spaces];
            for (int s = 0; s < spaces; s++)
            {
                int root = Find(s);
                if (!roots.TryGetValue(root, out var g)) roots[root] = g = roots.Count;
                groupOfSpace[s] = g;
            }
            var spacesOf = new List<int>[roots.Count];
            var blockers = new List<string>[roots.Count];
            for (int g = 0; g < roots.Count; g++) { spacesOf[g] = new(); blockers[g] = new(); }
            for (int s = 0; s < spaces; s++)
            {
                int g = groupOfSpace[s];
                spacesOf[g].Add(s);
                foreach (var reason in _spaceBlockers[s])
                    if (!blockers[g].Contains(reason)) blockers[g].Add(reason);
                if (_spaceSize[s] != _spaceSize[spacesOf[g][0]])
                    blockers[g].Add("coupled channel spaces differ in size");
            }
            var members = new List<GroupMember>[roots.Count];
            for (int g = 0; g < roots.Count; g++) members[g] = new();
            foreach (var (node, role, tensor, layout) in _members)
            {
                foreach (var byGroup in Enumerable.Range(0, layout.Length).GroupBy(p => groupOfSpace[layout[p].Space]))
                {
                    var positions = byGroup.ToArray();
                    members[byGroup.Key].Add(new GroupMember(node.Name, node.OpType, role, tensor,
                        positions, positions.Select(p => layout[p].Index).ToArray()));
                }
            }
            var groups = new PruningGroup[roots.Count];
            foreach (var (root, g) in roots)
                groups[g] = new PruningGroup(g, _spaceOrigin[root], _spaceSize[root], members[g], blockers[g]);
            return new DependencyGraph(model, Index, _layouts, groupOfSpace, groups);
        }
    }
}
