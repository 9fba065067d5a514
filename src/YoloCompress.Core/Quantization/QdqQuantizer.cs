using Onnx;
using YoloCompress.Core.Patterns;
using YoloCompress.Core.Calibration;
using YoloCompress.Core.OnnxModel;
using DataType = Onnx.TensorProto.Types.DataType;

namespace YoloCompress.Core.Quantization;

/// <summary>A quantized model and the record of what was done to it.</summary>
public sealed record QuantizationResult(ModelProto Model, QuantizationReport Report);

/// <summary>Static int8 quantization in QDQ form: rewrites a float model, in one pass over its nodes,
/// according to a <see cref="QdqPlan"/> and calibrated ranges. Each quantized tensor gets one
/// QuantizeLinear after its producer and one DequantizeLinear per consumer (ONNX Runtime fuses a
/// DQ -> op -> Q group only when each DQ feeds that op alone); weights become int8 initializers
/// behind a per-channel DequantizeLinear, biases int32. The QuantizeLinear, DequantizeLinear and Cast
/// nodes it adds are unnamed (their outputs carry the tensor's name plus _quantized, _dequantized...):
/// node names would add 1% to the file for nothing a tool needs.</summary>
public static class QdqQuantizer
{
    /// <summary>Plans, calibrates and quantizes: the whole static int8 flow.</summary>
    public static QuantizationResult Quantize(ModelProto model, QuantizationOptions options, IEnumerable<float[]> calibrationInputs,
        CalibrationOptions calibrationOptions, CancellationToken cancellation = default) =>
        QuantizeEach(model, [options], calibrationInputs, calibrationOptions, cancellation)[0];

    /// <summary>The static int8 flow for several variants of the options (<c>HeadConvs</c> <c>auto</c> compares two) from one
    /// calibration: the images run once for every tensor any variant needs; a tensor's range does not depend on which
    /// others are collected, so each result is what quantizing it alone gives.</summary>
    public static IReadOnlyList<QuantizationResult> QuantizeEach(ModelProto model, IReadOnlyList<QuantizationOptions> variants,
        IEnumerable<float[]> calibrationInputs, CalibrationOptions calibrationOptions, CancellationToken cancellation = default)
    {
        var plans = variants.Select(options => QdqPlan.Create(model, options)).ToArray();
        var ranges = ActivationCalibrator.Calibrate(model, plans.SelectMany(p => p.TensorsToCalibrate).Distinct(StringComparer.Ordinal).ToArray(),
            calibrationInputs, calibrationOptions, cancellation);
        // Not after int8-qat: its weights were trained for round-to-nearest.
        static bool RoundsForOutput(QdqPlan plan) => plan.Options.Mode != QuantizationMode.Int8Qat;
        var moments = MatMulInputMoments(model, plans.Where(RoundsForOutput).SelectMany(p => p.IntegerMatMulConvs), calibrationInputs, calibrationOptions.Threads);
        return plans.Select(p => Quantize(p, ranges, RoundsForOutput(p) ? moments : null)).ToArray();
    }

    /// <summary>Second moments (about zero) of the inputs of the integer MatMul convs, for their weights' rounding: one
    /// more pass over the calibration images, collecting those tensors only. Null when there are none.</summary>
    private static Dictionary<string, ChannelCovariance>? MatMulInputMoments(ModelProto model, IEnumerable<NodeProto> convs,
        IEnumerable<float[]> calibrationInputs, int threads)
    {
        var index = new GraphIndex(model.Graph);
        var inputs = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var conv in convs)
            inputs[conv.Input[0]] = new double[index.Initializer(conv.Input[1])!.Dims[1]];
        return inputs.Count == 0 ? null : ChannelCovariance.Collect(model, inputs, calibrationInputs, threads);
    }

    /// <exception cref="KeyNotFoundException">A tensor the plan needs was not calibrated (message names it).</exception>
    /// <exception cref="NotSupportedException">The model's opset is below 13 (no per-axis DequantizeLinear).</exception>
    public static QuantizationResult Quantize(QdqPlan plan, CalibrationResult calibration) => Quantize(plan, calibration, null);

    /// <param name="matMulInputMoments">Second moments of the inputs of <see cref="QdqPlan.IntegerMatMulConvs"/>: their
    /// weights are then rounded by <see cref="ErrorCompensatingRounding"/>; without them, to nearest.</param>
    internal static QuantizationResult Quantize(QdqPlan plan, CalibrationResult calibration, IReadOnlyDictionary<string, ChannelCovariance>? matMulInputMoments)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(calibration);
        RequireOpset13(plan.Model);
        var rewriter = new Rewriter(plan, calibration, matMulInputMoments);
        var model = rewriter.Run();
        var options = plan.Options;
        var report = new QuantizationReport
        {
            Mode = QuantizationMode.Int8.ToSettingName(),
            ActivationType = options.ActivationType.ToSettingName(),
            HeadConvs = (options.HeadConvs == HeadConvPrecision.Int8 ? HeadConvPrecision.Int8 : HeadConvPrecision.Float).ToSettingName(),
            Calibration = calibration.Options.Method.ToSettingName(),
            CalibrationPercentile = calibration.Options.Method == CalibrationMethod.Percentile ? calibration.Options.Percentile : null,
            CalibrationImages = calibration.ImageCount,
            QuantizedNodes = new SortedDictionary<string, int>(
                plan.QuantizedNodes.Keys.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal),
            Activations = rewriter.Activations,
            Weights = rewriter.Weights,
            FloatNodes = plan.FloatNodes,
            UnmatchedKeepFloat = plan.UnmatchedKeepFloat,
        };
        return new QuantizationResult(model, report);
    }

    internal static void RequireOpset13(ModelProto model)
    {
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 0;
        if (opset < 13)
            throw new NotSupportedException($"Quantization needs ONNX opset 13 or later (per-channel DequantizeLinear); the model imports opset {opset}.");
    }

    private sealed class Rewriter
    {
        private readonly QdqPlan _plan;
        private readonly CalibrationResult _calibration;
        private readonly ActivationType _type;
        private readonly DataType _zeroPointType;
        private readonly GraphIndex _index;
        private readonly Dictionary<string, QuantParams> _params = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (string Scale, string ZeroPoint, string Quantized)> _qdq = new(StringComparer.Ordinal);
        private readonly List<NodeProto> _nodes = new();
        private readonly Dictionary<string, string> _floatReaders = new(StringComparer.Ordinal);
        private readonly List<TensorProto> _initializers = new();
        private readonly IReadOnlyDictionary<string, ChannelCovariance>? _matMulInputMoments;
        private UniqueNames _names = null!;

        public Rewriter(QdqPlan plan, CalibrationResult calibration, IReadOnlyDictionary<string, ChannelCovariance>? matMulInputMoments)
        {
            _plan = plan;
            _calibration = calibration;
            _matMulInputMoments = matMulInputMoments;
            _type = plan.Options.ActivationType;
            _zeroPointType = _type == ActivationType.Int8 ? DataType.Int8 : DataType.Uint8;
            _index = new GraphIndex(plan.Model.Graph);
        }

        public List<ActivationQuantizationRecord> Activations { get; } = new();

        public List<WeightQuantizationRecord> Weights { get; } = new();

        public ModelProto Run()
        {
            var source = _plan.Model.Graph;
            var model = _plan.Model.Clone();
            var graph = model.Graph;
            _names = new UniqueNames(graph);
            ComputeParameters(source);

            var graphInputs = source.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            var graphOutputs = source.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            var removed = new HashSet<string>(StringComparer.Ordinal);

            // Graph inputs read by quantized nodes are quantized first.
            foreach (var (tensor, _) in _plan.QuantizedTensors)
                if (graphInputs.Contains(tensor)) EmitQuantize(tensor, tensor);

            for (int i = 0; i < graph.Node.Count; i++)
            {
                var node = graph.Node[i];
                var original = source.Node[i];
                bool isQuantized = _plan.QuantizedNodes.TryGetValue(original, out var kind);
                if (_plan.IntegerMatMulConvs.Contains(original))
                {
                    EmitConvAsIntegerMatMul(node, removed);
                    continue;
                }
                if (isQuantized)
                {
                    string input0 = node.Input[0];
                    int activationInputs = kind == QdqOpKind.Elementwise ? node.Input.Count : 1;
                    for (int k = 0; k < activationInputs; k++) node.Input[k] = EmitDequantize(node.Input[k]);
                    if (kind == QdqOpKind.Conv) QuantizeConvConstants(node, input0, removed);
                }
                else
                {
                    if (node.OpType == "Conv" && _plan.Options.FloatWeightsAsFloat16) StoreWeightAsFloat16(node, removed);
                    // A float consumer of a quantized node's output reads it through a DQ: the producer's
                    // own output goes to its Q alone, or ORT cannot fuse it. Float consumers share one DQ
                    // (ORT needs a DQ of its own only for each node it fuses), which also lets its float
                    // fusions see one tensor, e.g. Sigmoid and Mul of the same x become QuickGelu.
                    for (int k = 0; k < node.Input.Count; k++)
                    {
                        var t = node.Input[k];
                        if (_params.ContainsKey(t) && _index.Producer(t) is { } p && _plan.QuantizedNodes.ContainsKey(p))
                        {
                            if (!_floatReaders.TryGetValue(t, out var shared)) _floatReaders[t] = shared = EmitDequantize(t);
                            node.Input[k] = shared;
                        }
                    }
                }
                _nodes.Add(node);

                for (int k = 0; k < node.Output.Count; k++)
                {
                    var output = node.Output[k];
                    if (!_params.ContainsKey(output)) continue;
                    if (isQuantized && graphOutputs.Contains(output))
                    {
                        // The graph output keeps its name, produced by a final DQ.
                        var renamed = _names.Take(output + "_float");
                        node.Output[k] = renamed;
                        EmitQuantize(output, renamed);
                        EmitDequantize(output, output);
                    }
                    else EmitQuantize(output, output);
                }
            }

            OnnxGraphs.ReplaceContents(graph, _nodes, t => !removed.Contains(t.Name), _initializers);
            if (_initializers.Any(t => t.DataType == (int)WeightQuantization.Int4Type))
                foreach (var import in model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx" && o.Version < QuantizationOptions.Int4Opset))
                {
                    import.Version = QuantizationOptions.Int4Opset;
                    model.IrVersion = Math.Max(model.IrVersion, OpsetConversion.IrVersionFor(QuantizationOptions.Int4Opset));
                }
            return model;
        }

        private void ComputeParameters(GraphProto source)
        {
            var graphInputs = source.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (tensor, root) in _plan.QuantizedTensors)
            {
                var calibration = _calibration[root];
                // The image input is taken whole: pixels are k/255 and min-max [0, 1] represents them
                // exactly in uint8; clipping them never helps.
                var range = graphInputs.Contains(root) ? calibration.Observed : calibration.Selected;
                var p = tensor == root ? QuantParams.For(range, _type) : _params[root];
                _params[tensor] = p;
                Activations.Add(new ActivationQuantizationRecord(tensor, _type.ToSettingName(),
                    calibration.Observed.Min, calibration.Observed.Max, range.Min, range.Max, p.Scale, p.ZeroPoint,
                    tensor == root ? null : root));
            }
        }

        private void EmitQuantize(string tensor, string source)
        {
            var p = _params[tensor];
            var scale = _names.Take(tensor + "_scale");
            var zeroPoint = _names.Take(tensor + "_zero_point");
            _initializers.Add(OnnxTensors.Float(scale, ReadOnlySpan<long>.Empty, new[] { p.Scale }));
            _initializers.Add(ZeroPointScalar(zeroPoint, p.ZeroPoint));
            var quantized = _names.Take(tensor + "_quantized");
            _nodes.Add(OnnxNodes.Node("QuantizeLinear", "",
                new[] { source, scale, zeroPoint }, new[] { quantized }));
            _qdq[tensor] = (scale, zeroPoint, quantized);
        }

        private string EmitDequantize(string tensor, string? output = null)
        {
            if (!_qdq.TryGetValue(tensor, out var q))
                throw new InvalidOperationException($"Tensor '{tensor}' is read before its QuantizeLinear; is the graph topologically sorted?");
            output ??= _names.Take(tensor + "_dequantized");
            _nodes.Add(OnnxNodes.Node("DequantizeLinear", "",
                new[] { q.Quantized, q.Scale, q.ZeroPoint }, new[] { output }));
            return output;
        }

        private TensorProto ZeroPointScalar(string name, int zeroPoint) => _zeroPointType == DataType.Int8
            ? OnnxTensors.Raw(name, DataType.Int8, ReadOnlySpan<long>.Empty, new[] { unchecked((byte)(sbyte)zeroPoint) })
            : OnnxTensors.Raw(name, DataType.Uint8, ReadOnlySpan<long>.Empty, new[] { (byte)zeroPoint });

        private void QuantizeConvConstants(NodeProto node, string input, HashSet<string> removed)
        {
            var weight = _index.Initializer(node.Input[1])!;
            int bits = _plan.Options.WeightBits;
            var (values, scales) = WeightQuantization.QuantizeWeight(weight, bits);
            int channels = scales.Length;
            var name = _names.Take(weight.Name + "_quantized");
            node.Input[1] = EmitConstantDequantize(weight.Name,
                bits == 4 ? WeightQuantization.Int4(name, weight.Dims, values) : WeightQuantization.Int8(name, weight.Dims, values), scales);
            removed.Add(weight.Name);

            string? biasName = null;
            int clamped = 0;
            if (node.Input.Count > 2 && node.Input[2].Length > 0)
            {
                var bias = _index.Initializer(node.Input[2])!;
                var (bq, bscales, c) = WeightQuantization.QuantizeBias(bias, _params[input].Scale, scales);
                node.Input[2] = EmitConstantDequantize(bias.Name,
                    WeightQuantization.Int32(_names.Take(bias.Name + "_quantized"), bias.Dims, bq), bscales);
                removed.Add(bias.Name);
                (biasName, clamped) = (bias.Name, c);
            }
            Weights.Add(new WeightQuantizationRecord(NodePattern.NodeName(node), weight.Name, bits == 4 ? "int4" : "int8", 0, channels,
                scales.Min(), scales.Max(), (float)scales.Average(), biasName, clamped));
        }

        /// <summary>The 1x1 conv as the same product written DQ -> MatMul with a float output, which ONNX Runtime fuses into
        /// one integer kernel (MatMulIntegerToFloat: uint8 x int8, scaled to float): x channels-last (a transpose of the
        /// uint8 tensor, which ORT's channels-last integer region already holds), times the int8 weight [in, out] with a
        /// scale per output column, back to channels-first, plus the float bias. Standard ONNX ops only.
        /// On yolov5n's Detect convs: 2.4 -> 1.1 ms for the stride-8 conv at one thread (benchmarks' inspect --profile).</summary>
        private void EmitConvAsIntegerMatMul(NodeProto node, HashSet<string> removed)
        {
            var input = node.Input[0];
            var q = _qdq[input];
            var channelsLast = _names.Take(input + "_nhwc_quantized");
            _nodes.Add(OnnxNodes.Node("Transpose", "", new[] { q.Quantized }, new[] { channelsLast }, OnnxNodes.Ints("perm", 0, 2, 3, 1)));
            var x = _names.Take(input + "_nhwc_dequantized");
            _nodes.Add(OnnxNodes.Node("DequantizeLinear", "", new[] { channelsLast, q.Scale, q.ZeroPoint }, new[] { x }));

            var weight = _index.Initializer(node.Input[1])!;
            var (values, scales) = _matMulInputMoments?.GetValueOrDefault(input) is { } moments
                ? ErrorCompensatingRounding.Quantize(weight, moments)
                : WeightQuantization.QuantizeWeight(weight);
            int outputs = (int)weight.Dims[0], inputs = (int)weight.Dims[1];
            var columns = new sbyte[values.Length];
            for (int o = 0; o < outputs; o++)
                for (int c = 0; c < inputs; c++) columns[c * outputs + o] = values[o * inputs + c];
            var w = EmitConstantDequantize(weight.Name,
                WeightQuantization.Int8(_names.Take(weight.Name + "_quantized"), new long[] { inputs, outputs }, columns), scales, axis: 1);
            removed.Add(weight.Name);

            var product = _names.Take(node.Output[0] + "_nhwc");
            _nodes.Add(OnnxNodes.Node("MatMul", NodePattern.NodeName(node), new[] { x, w }, new[] { product }));

            // Back to channels-first, then the float bias as [out, 1, 1]. Added after the transpose, not straight after the
            // MatMul: there ORT's MatMul+Add fusion (a float Gemm, when the shapes are static) would take the MatMul out
            // of the integer pattern.
            string? biasName = node.Input.Count > 2 && node.Input[2].Length > 0 ? node.Input[2] : null;
            string channelsFirst = biasName is null ? node.Output[0] : _names.Take(node.Output[0] + "_unbiased");
            _nodes.Add(OnnxNodes.Node("Transpose", "", new[] { product }, new[] { channelsFirst }, OnnxNodes.Ints("perm", 0, 3, 1, 2)));
            if (biasName is not null)
            {
                var bias = _index.Initializer(biasName)!;
                var perChannel = OnnxTensors.Float(_names.Take(biasName + "_nchw"), new long[] { outputs, 1, 1 }, OnnxTensors.ToFloatArray(bias));
                _initializers.Add(perChannel);
                removed.Add(biasName);
                _nodes.Add(OnnxNodes.Node("Add", "", new[] { channelsFirst, perChannel.Name }, new[] { node.Output[0] }));
            }
            Weights.Add(new WeightQuantizationRecord(NodePattern.NodeName(node), weight.Name, "int8", 1, outputs,
                scales.Min(), scales.Max(), (float)scales.Average(), biasName, 0));
        }

        /// <summary>A per-channel DequantizeLinear of a constant (channels on <paramref name="axis"/>). No zero-point input: weights and
        /// biases are symmetric, and ONNX's default zero point (0, of the data's type) says so in no bytes.</summary>
        private string EmitConstantDequantize(string name, TensorProto quantized, float[] scales, int axis = 0)
        {
            var scale = OnnxTensors.Float(_names.Take(name + "_scale"), new long[] { scales.Length }, scales);
            _initializers.Add(quantized);
            _initializers.Add(scale);
            var output = _names.Take(name + "_dequantized");
            _nodes.Add(OnnxNodes.Node("DequantizeLinear", "",
                new[] { quantized.Name, scale.Name }, new[] { output }, OnnxNodes.Int("axis", axis)));
            return output;
        }

        /// <summary>A float conv's weight stored as float16 behind a Cast to float32.</summary>
        private void StoreWeightAsFloat16(NodeProto node, HashSet<string> removed)
        {
            if (node.Input.Count < 2 || _index.Initializer(node.Input[1]) is not { DataType: (int)DataType.Float } weight
                || _index.Consumers(weight.Name).Count != 1)
                return;
            var stored = OnnxTensors.Float16Of(weight, _names.Take(weight.Name + "_fp16"));
            _initializers.Add(stored);
            var output = _names.Take(weight.Name + "_fp32");
            _nodes.Add(OnnxNodes.Node("Cast", "", new[] { stored.Name }, new[] { output },
                OnnxNodes.Int("to", (long)DataType.Float)));
            node.Input[1] = output;
            removed.Add(weight.Name);
        }
    }
}
