using System.Reflection;
using DistNN.Cli.Export.Onnx;
using DistNN.Nn.Activations;
using DistNN.Nn.Layers;
using DistNN.Nn.Layers.Conv;
using DistNN.Nn.Layers.Recurrent;
using DistNN.Nn.Models;
using static DistNN.Cli.Export.OnnxGraphBuilder;

namespace DistNN.Cli.Export;

/// <summary>
/// Turns a trained <see cref="Sequential"/> into an ONNX model (opset 17) that computes the same outputs in
/// inference mode. The graph's input "input" and output "output" have DistNN's per-sample shapes with a batch axis
/// in front, images in NHWC. ONNX convolutions and pools work in NCHW, so the graph transposes into NCHW before
/// them and back to NHWC where the layout matters again (flatten, recurrent input, the output); BatchNorm on images
/// normalizes axis 1 in NCHW. Dropout is the identity at inference and writes no node. Recurrent layers read the
/// sample as [time, features] (time-major inside, as ONNX wants) and have their gate blocks reordered from PyTorch's
/// order to ONNX's: LSTM [i, f, g, o] → [i, o, f, c], GRU [r, z, n] → [z, r, h] with linear_before_reset = 1.
/// </summary>
internal static class OnnxExporter
{
    public const int Opset = 17;
    public const int IrVersion = 8;

    private static readonly int[] s_lstmGates = [0, 3, 1, 2];
    private static readonly int[] s_gruGates = [1, 0, 2];

    public static ModelProto Build(ModelSpec spec, Sequential model)
    {
        var graph = new OnnxGraphBuilder(spec.Name);
        graph.Input("input", model.InputShape);
        var shapes = SampleShapes(model);
        var flow = new Flow(graph, "input", model.InputShape);
        for (int i = 0; i < model.Layers.Count; i++)
        {
            Export(model.Layers[i], flow, shapes[i + 1]);
        }
        flow.ToNhwc();
        graph.Node("Identity", "output", [flow.Value]);
        graph.Output("output", model.OutputShape);

        var onnx = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "distnn",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "",
            DocString = $"DistNN model '{spec.Name}', loss {spec.Loss}: the output is what DistNN's forward pass returns.",
            Graph = graph.Graph,
        };
        onnx.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        onnx.MetadataProps.Add(new StringStringEntryProto { Key = "distnn.spec", Value = spec.ToJson() });
        return onnx;
    }

    /// <summary>Each layer's per-sample input shape and the model's output shape, from a forward pass of one zero sample.</summary>
    private static List<int[]> SampleShapes(Sequential model)
    {
        var shapes = new List<int[]> { model.InputShape };
        var x = new Tensor([1, .. model.InputShape]);
        foreach (var layer in model.Layers)
        {
            x = layer.Forward(x, training: false);
            shapes.Add(x.Shape[1..].ToArray());
        }
        return shapes;
    }

    private static void Export(Layer layer, Flow flow, int[] outputShape)
    {
        switch (layer)
        {
            case Dense dense:
                flow.Value = flow.Graph.Node("Gemm", $"{layer.Name}.out",
                    [flow.Value, flow.Graph.Floats($"{layer.Name}.weight", dense.Weights.Value.Span.ToArray(), dense.Weights.Value.Dim(0), dense.Units),
                     flow.Graph.Floats($"{layer.Name}.bias", dense.Bias.Value.Span.ToArray(), dense.Units)]);
                Activate(dense.Activation, flow, layer.Name);
                break;
            case Flatten:
                flow.ToNhwc();
                flow.Value = flow.Graph.Node("Flatten", $"{layer.Name}.out", [flow.Value], Int("axis", 1));
                break;
            case Dropout:
                break;
            case ActivationLayer activation:
                Activate(activation.Activation, flow, layer.Name);
                break;
            case Conv2D conv:
                ExportConv(conv, flow);
                break;
            case MaxPool2D or AvgPool2D:
                ExportPool((Pool2D)layer, flow);
                break;
            case BatchNorm norm:
                ExportBatchNorm(norm, flow);
                break;
            case RecurrentLayer recurrent:
                ExportRecurrent(recurrent, flow);
                break;
            default:
                throw new NotSupportedException($"layer '{layer.Name}' ({layer.GetType().Name}) has no ONNX export");
        }
        flow.Shape = outputShape;
    }

    private static void Activate(Activation? activation, Flow flow, string name)
    {
        var g = flow.Graph;
        switch (activation)
        {
            case null or Linear:
                return;
            case Relu:
                flow.Value = g.Node("Relu", $"{name}.relu", [flow.Value]);
                return;
            case Sigmoid:
                flow.Value = g.Node("Sigmoid", $"{name}.sigmoid", [flow.Value]);
                return;
            case Tanh:
                flow.Value = g.Node("Tanh", $"{name}.tanh", [flow.Value]);
                return;
            case Softmax:
                // DistNN's softmax runs over the last axis, which is axis 1 of an NCHW image.
                flow.Value = g.Node("Softmax", $"{name}.softmax", [flow.Value], Int("axis", flow.Nchw ? 1 : -1));
                return;
            case Step:
                var positive = g.Node("Greater", $"{name}.positive", [flow.Value, g.Floats($"{name}.zero", [0f])]);
                flow.Value = g.Node("Cast", $"{name}.step", [positive], Int("to", (int)TensorProto.Types.DataType.Float));
                return;
            default:
                throw new NotSupportedException($"layer '{name}': activation '{activation.Name}' has no ONNX export");
        }
    }

    private static void ExportConv(Conv2D conv, Flow flow)
    {
        var g = conv.Geometry;
        flow.ToNchw();
        // DistNN: rows (kernel row i, kernel column j, channel c) × filters; ONNX: [filters, channels, i, j].
        var w = conv.Weights.Value.Span;
        int f = conv.Filters, c = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        var weights = new float[f * c * kh * kw];
        for (int i = 0; i < kh; i++)
        {
            for (int j = 0; j < kw; j++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    for (int o = 0; o < f; o++)
                    {
                        weights[((o * c + ch) * kh + i) * kw + j] = w[((i * kw + j) * c + ch) * f + o];
                    }
                }
            }
        }
        flow.Value = flow.Graph.Node("Conv", $"{conv.Name}.out",
            [flow.Value, flow.Graph.Floats($"{conv.Name}.weight", weights, f, c, kh, kw), flow.Graph.Floats($"{conv.Name}.bias", conv.Bias.Value.Span.ToArray(), f)],
            Ints("kernel_shape", kh, kw), Ints("strides", g.StrideH, g.StrideW), Ints("pads", g.PadTop, g.PadLeft, g.PadBottom, g.PadRight));
        Activate(conv.Activation, flow, conv.Name);
    }

    private static void ExportPool(Pool2D pool, Flow flow)
    {
        var g = pool.Geometry;
        flow.ToNchw();
        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", g.KernelHeight, g.KernelWidth), Ints("strides", g.StrideH, g.StrideW),
            Ints("pads", g.PadTop, g.PadLeft, g.PadBottom, g.PadRight),
        };
        string op = pool is MaxPool2D ? "MaxPool" : "AveragePool";
        if (pool is AvgPool2D)
        {
            // DistNN averages only the window's in-image cells.
            attributes.Add(Int("count_include_pad", 0));
        }
        flow.Value = flow.Graph.Node(op, $"{pool.Name}.out", [flow.Value], [.. attributes]);
    }

    private static void ExportBatchNorm(BatchNorm norm, Flow flow)
    {
        var g = flow.Graph;
        int channels = norm.Gamma.Value.Length;
        bool sequence = flow.Shape.Length == 2;
        if (flow.Shape.Length == 3)
        {
            flow.ToNchw();
        }
        string x = sequence ? g.Node("Transpose", $"{norm.Name}.features_first", [flow.Value], Ints("perm", 0, 2, 1)) : flow.Value;
        string y = g.Node("BatchNormalization", $"{norm.Name}.out",
            [x, g.Floats($"{norm.Name}.gamma", norm.Gamma.Value.Span.ToArray(), channels), g.Floats($"{norm.Name}.beta", norm.Beta.Value.Span.ToArray(), channels),
             g.Floats($"{norm.Name}.running_mean", norm.RunningMean.Value.Span.ToArray(), channels), g.Floats($"{norm.Name}.running_var", norm.RunningVariance.Value.Span.ToArray(), channels)],
            Float("epsilon", norm.Epsilon));
        flow.Value = sequence ? g.Node("Transpose", $"{norm.Name}.time_first", [y], Ints("perm", 0, 2, 1)) : y;
    }

    private static void ExportRecurrent(RecurrentLayer layer, Flow flow)
    {
        var g = flow.Graph;
        flow.ToNhwc();
        int t = layer.TimeSteps, features = layer.Features, hidden = layer.Units;
        var sequence = g.Node("Reshape", $"{layer.Name}.sequence", [flow.Value, g.Int64s($"{layer.Name}.sequence_shape", 0, t, features)]);
        var timeMajor = g.Node("Transpose", $"{layer.Name}.time_major", [sequence], Ints("perm", 1, 0, 2));

        (string op, int[] gates) = layer switch
        {
            Lstm => ("LSTM", s_lstmGates),
            Gru => ("GRU", s_gruGates),
            SimpleRnn => ("RNN", [0]),
            _ => throw new NotSupportedException($"layer '{layer.Name}' ({layer.GetType().Name}) has no ONNX export"),
        };
        var w = Gates(layer.Weights.Value.Span, features, hidden, gates);
        var r = Gates(layer.RecurrentWeights.Value.Span, hidden, hidden, gates);
        var bias = new float[2 * gates.Length * hidden];
        var b = layer.Bias.Value.Span;
        for (int k = 0; k < gates.Length; k++)
        {
            b.Slice(gates[k] * hidden, hidden).CopyTo(bias.AsSpan(k * hidden, hidden));
        }
        var attributes = new List<AttributeProto> { Int("hidden_size", hidden) };
        if (layer is Gru gru)
        {
            // b_hn sits inside the reset gate's product: ONNX's Rbh with linear_before_reset.
            gru.RecurrentBias.Value.Span.CopyTo(bias.AsSpan((gates.Length + 2) * hidden, hidden));
            attributes.Add(Int("linear_before_reset", 1));
        }
        int width = gates.Length * hidden;
        var outputs = g.NodeWithOutputs(op, [layer.ReturnSequences ? $"{layer.Name}.y" : "", layer.ReturnSequences ? "" : $"{layer.Name}.y_h"],
            [timeMajor, g.Floats($"{layer.Name}.W", w, 1, width, features), g.Floats($"{layer.Name}.R", r, 1, width, hidden), g.Floats($"{layer.Name}.B", bias, 1, 2 * width)],
            [.. attributes]);
        if (layer.ReturnSequences)
        {
            // Y is [time, directions, batch, hidden].
            var y = g.Node("Squeeze", $"{layer.Name}.states", [outputs[0], g.Int64s($"{layer.Name}.direction_axis", 1)]);
            flow.Value = g.Node("Transpose", $"{layer.Name}.out", [y], Ints("perm", 1, 0, 2));
        }
        else
        {
            flow.Value = g.Node("Squeeze", $"{layer.Name}.out", [outputs[1], g.Int64s($"{layer.Name}.direction_axis", 0)]);
        }
    }

    /// <summary>DistNN's (rows × gates·hidden) weights as ONNX's [gates·hidden, rows], gate blocks in ONNX's order.</summary>
    private static float[] Gates(ReadOnlySpan<float> weights, int rows, int hidden, int[] gates)
    {
        int width = gates.Length * hidden;
        var result = new float[width * rows];
        for (int k = 0; k < gates.Length; k++)
        {
            for (int u = 0; u < hidden; u++)
            {
                int source = gates[k] * hidden + u;
                for (int row = 0; row < rows; row++)
                {
                    result[(k * hidden + u) * rows + row] = weights[row * width + source];
                }
            }
        }
        return result;
    }

    /// <summary>The value flowing through the graph, its per-sample DistNN shape, and whether an image is in NCHW now.</summary>
    private sealed class Flow(OnnxGraphBuilder graph, string value, int[] shape)
    {
        public OnnxGraphBuilder Graph { get; } = graph;

        public string Value { get; set; } = value;

        public int[] Shape { get; set; } = shape;

        public bool Nchw { get; private set; }

        public void ToNchw()
        {
            if (!Nchw && Shape.Length == 3)
            {
                Value = Graph.Node("Transpose", "nchw", [Value], Ints("perm", 0, 3, 1, 2));
                Nchw = true;
            }
        }

        public void ToNhwc()
        {
            if (Nchw)
            {
                Value = Graph.Node("Transpose", "nhwc", [Value], Ints("perm", 0, 2, 3, 1));
                Nchw = false;
            }
        }
    }
}
