using System.Runtime.InteropServices;
using DistNN.Cli.Export.Onnx;
using Google.Protobuf;

namespace DistNN.Cli.Export;

/// <summary>Accumulates the nodes and initializers of one ONNX graph, handing out unique value names.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly HashSet<string> _names = [];

    public OnnxGraphBuilder(string name)
    {
        _graph.Name = name;
    }

    public GraphProto Graph => _graph;

    /// <summary>A value name not used yet, derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        for (int i = 1; !_names.Add(name); i++)
        {
            name = $"{hint}_{i}";
        }
        return name;
    }

    public string Floats(string hint, float[] values, params long[] dims)
    {
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b))
        {
            throw new InvalidOperationException($"initializer {hint}: {values.Length} values do not fill [{string.Join(",", dims)}]");
        }
        string name = Fresh(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Int64s(string hint, params long[] values)
    {
        string name = Fresh(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(values.Length);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Node(string opType, string outputHint, string[] inputs, params AttributeProto[] attributes) =>
        NodeWithOutputs(opType, [outputHint], inputs, attributes)[0];

    /// <summary>Adds a node; an empty hint leaves that output unused (""), as ONNX allows for optional outputs.</summary>
    public string[] NodeWithOutputs(string opType, string[] outputHints, string[] inputs, params AttributeProto[] attributes)
    {
        var outputs = outputHints.Select(h => h.Length == 0 ? "" : Fresh(h)).ToArray();
        var node = new NodeProto { OpType = opType, Name = Fresh($"{opType}_node") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>A float tensor input or output whose first axis is the batch ("N").</summary>
    public void Input(string name, int[] sampleShape) => _graph.Input.Add(Value(Fresh(name), sampleShape));

    public void Output(string name, int[] sampleShape) => _graph.Output.Add(Value(name, sampleShape));

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static ValueInfoProto Value(string name, int[] sampleShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in sampleShape)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
