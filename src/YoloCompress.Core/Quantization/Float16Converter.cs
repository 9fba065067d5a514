using Onnx;
using YoloCompress.Core.OnnxModel;
using DataType = Onnx.TensorProto.Types.DataType;

namespace YoloCompress.Core.Quantization;

/// <summary>float16 weights and activations. The graph's inputs and outputs stay float32 (a Cast at
/// each boundary), as do the decode tail (box coordinates up to the input size lose up to half a
/// pixel in float16), KeepFloat nodes and op types not known to be float16-safe. Wherever a float16
/// tensor meets a float32 node, or the reverse, one Cast per tensor bridges them.</summary>
/// <remarks>ONNX Runtime's CPU provider has float16 kernels for only some ops; for the others it
/// inserts Casts to float32 around the node itself (InsertCastTransformer), so the model always runs,
/// at a speed that depends on the build. float16 is a size format here (lossless in practice), not a
/// CPU speed-up.</remarks>
public static class Float16Converter
{
    /// <summary>Op types converted, and which of their inputs follow the data type (others, such as
    /// Resize's scales or Reshape's shape, keep their own type).</summary>
    private static readonly Dictionary<string, int> TypedInputs = new(StringComparer.Ordinal)
    {
        ["Conv"] = int.MaxValue, ["Sigmoid"] = 1, ["Relu"] = 1, ["LeakyRelu"] = 1, ["Tanh"] = 1, ["Softmax"] = 1,
        ["Mul"] = int.MaxValue, ["Add"] = int.MaxValue, ["Sub"] = int.MaxValue, ["Div"] = int.MaxValue,
        ["Concat"] = int.MaxValue, ["Clip"] = int.MaxValue, ["Identity"] = 1,
        ["MaxPool"] = 1, ["AveragePool"] = 1, ["GlobalAveragePool"] = 1, ["Resize"] = 1,
        ["Reshape"] = 1, ["Transpose"] = 1, ["Split"] = 1, ["Slice"] = 1, ["Flatten"] = 1, ["Squeeze"] = 1, ["Unsqueeze"] = 1,
    };

    public static QuantizationResult Convert(ModelProto model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var result = model.Clone();
        var graph = result.Graph;
        var index = new GraphIndex(graph);
        var types = TensorTypes.Infer(graph);
        var names = new UniqueNames(graph);
        var keepFloat = new KeepFloatRule(graph, options);
        var floatNodes = new List<FloatNodeRecord>();
        var half = new HashSet<NodeProto>();

        foreach (var node in graph.Node)
        {
            string? reason = null;
            if (keepFloat.Reason(node) is { } kept) reason = kept;
            else if (!TypedInputs.ContainsKey(node.OpType)) reason = $"op type {node.OpType} is not converted to float16";
            else if (!IsFloat(types, node.Input[0])) reason = "its data input is not float";
            if (reason is null) half.Add(node);
            else floatNodes.Add(KeepFloatRule.Record(node, reason));
        }

        // Tensors computed in float16: outputs of converted nodes.
        var halfTensors = new HashSet<string>(half.SelectMany(n => n.Output).Where(o => o.Length > 0), StringComparer.Ordinal);
        var nodes = new List<NodeProto>();
        var casts = new Dictionary<(string, DataType), string>();
        var convertedInitializers = new Dictionary<string, string>(StringComparer.Ordinal);
        var newInitializers = new List<TensorProto>();

        string CastOf(string tensor, DataType to)
        {
            if (casts.TryGetValue((tensor, to), out var existing)) return existing;
            var output = names.Take(tensor + (to == DataType.Float16 ? "_fp16" : "_fp32"));
            nodes.Add(OnnxNodes.Node("Cast", names.Take(output + "_Cast"), new[] { tensor }, new[] { output }, OnnxNodes.Int("to", (long)to)));
            return casts[(tensor, to)] = output;
        }

        string HalfInitializer(TensorProto init)
        {
            if (convertedInitializers.TryGetValue(init.Name, out var name)) return name;
            name = names.Take(init.Name + "_fp16");
            newInitializers.Add(OnnxTensors.Float16Of(init, name));
            return convertedInitializers[init.Name] = name;
        }

        foreach (var node in graph.Node)
        {
            bool isHalf = half.Contains(node);
            int typed = isHalf ? Math.Min(TypedInputs[node.OpType], node.Input.Count) : 0;
            for (int k = 0; k < node.Input.Count; k++)
            {
                var input = node.Input[k];
                if (input.Length == 0 || !IsFloat(types, input)) continue;
                bool wantsHalf = isHalf && k < typed;
                if (wantsHalf && index.Initializer(input) is { } init) node.Input[k] = HalfInitializer(init);
                else if (wantsHalf && !halfTensors.Contains(input)) node.Input[k] = CastOf(input, DataType.Float16);
                else if (!wantsHalf && halfTensors.Contains(input)) node.Input[k] = CastOf(input, DataType.Float);
            }
            nodes.Add(node);
        }

        // Graph outputs computed in float16 come back to float32 under their own name.
        foreach (var output in graph.Output)
        {
            if (!halfTensors.Contains(output.Name)) continue;
            var producer = nodes.First(n => n.Output.Contains(output.Name));
            var renamed = names.Take(output.Name + "_fp16");
            producer.Output[producer.Output.IndexOf(output.Name)] = renamed;
            foreach (var n in nodes) for (int k = 0; k < n.Input.Count; k++) if (n.Input[k] == output.Name) n.Input[k] = renamed;
            nodes.Add(OnnxNodes.Node("Cast", names.Take(output.Name + "_Cast"), new[] { renamed }, new[] { output.Name }, OnnxNodes.Int("to", (long)DataType.Float)));
            // Its float32 value_info (if any) described the old producer output; drop it rather than lie.
            foreach (var stale in graph.ValueInfo.Where(v => v.Name == output.Name).ToList()) graph.ValueInfo.Remove(stale);
        }

        foreach (var info in graph.ValueInfo)
            if (halfTensors.Contains(info.Name) && info.Type?.TensorType is { } t && t.ElemType == (int)DataType.Float)
                t.ElemType = (int)DataType.Float16;

        var stillUsed = nodes.SelectMany(n => n.Input).ToHashSet(StringComparer.Ordinal);
        OnnxGraphs.ReplaceContents(graph, nodes, t => stillUsed.Contains(t.Name), newInitializers);

        var report = new QuantizationReport
        {
            Mode = QuantizationMode.Float16.ToSettingName(),
            QuantizedNodes = new SortedDictionary<string, int>(
                half.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal),
            FloatNodes = floatNodes,
            UnmatchedKeepFloat = keepFloat.UnmatchedPatterns,
        };
        return new QuantizationResult(result, report);
    }

    private static bool IsFloat(Dictionary<string, DataType> types, string tensor) =>
        types.TryGetValue(tensor, out var t) && t == DataType.Float;
}
