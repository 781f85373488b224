using DistNN.Nn.Activations;
using DistNN.Nn.Initializers;
using DistNN.Nn.Layers;
using DistNN.Nn.Layers.Recurrent;
using DistNN.Nn.Losses;

namespace DistNN.Nn.Models;

/// <summary>Turns a <see cref="ModelSpec"/> into layers. Same spec + same seed = the same weights on every node.</summary>
public static class ModelBuilder
{
    public static Sequential Build(ModelSpec spec, int seed)
    {
        var layers = spec.Layers.Select((l, i) => CreateLayer(l, i)).ToList();
        var model = new Sequential(spec.Input, layers);
        model.Initialize(new Random(seed));
        return model;
    }

    public static Layer CreateLayer(LayerSpec spec, int index)
    {
        Layer layer = spec.Type.ToLowerInvariant() switch
        {
            "dense" => new Dense(Require(spec.Units, spec, index, "units"), ActivationOrNull(spec.Activation), InitializerOrDefault(spec.Init)),
            "rnn" or "simple_rnn" => new SimpleRnn(Require(spec.Units, spec, index, "units"), spec.ReturnSequences ?? false, spec.Bptt ?? 0, InitializerOrDefault(spec.Init)),
            "lstm" => new Lstm(Require(spec.Units, spec, index, "units"), spec.ReturnSequences ?? false, spec.Bptt ?? 0, InitializerOrDefault(spec.Init)),
            "gru" => new Gru(Require(spec.Units, spec, index, "units"), spec.ReturnSequences ?? false, spec.Bptt ?? 0, InitializerOrDefault(spec.Init)),
            _ => throw new ShapeException($"layer {index}: unknown layer type '{spec.Type}'"),
        };
        layer.Name = spec.Name ?? $"{index}.{spec.Type.ToLowerInvariant()}";
        return layer;
    }

    public static Activation? ActivationOrNull(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "linear" or "none" => null,
        "relu" => new Relu(),
        _ => throw new ShapeException($"unknown activation '{name}' (known: relu, sigmoid, tanh, softmax, step, linear)"),
    };

    public static Initializer? InitializerOrDefault(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" => null,
        "xavier_uniform" or "glorot_uniform" => Initializer.XavierUniform,
        _ => throw new ShapeException($"unknown initializer '{name}'"),
    };

    public static Loss CreateLoss(string name) => name.ToLowerInvariant() switch
    {
        "softmax_cross_entropy" or "cross_entropy" => new SoftmaxCrossEntropy(),
        _ => throw new ShapeException($"unknown loss '{name}' (known: softmax_cross_entropy, mse, binary_cross_entropy)"),
    };

    private static int Require(int? value, LayerSpec spec, int index, string field) =>
        value ?? throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" is required");
}
