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
        var layers = new List<Layer>(spec.Layers.Count);
        for (int i = 0; i < spec.Layers.Count; i++)
        {
            try
            {
                layers.Add(CreateLayer(spec.Layers[i], i));
            }
            catch (ArgumentException e)
            {
                // Constructor and name-lookup errors, given the layer they belong to.
                throw new ShapeException($"layer {i} ({spec.Layers[i].Name ?? spec.Layers[i].Type}): {e.Message}");
            }
        }
        CreateLoss(spec.Loss);
        var model = new Sequential(spec.Input, layers);
        model.Initialize(new Random(seed));
        return model;
    }

    public static Layer CreateLayer(LayerSpec spec, int index)
    {
        Layer layer = spec.Type.ToLowerInvariant() switch
        {
            "dense" => new Dense(Require(spec.Units, spec, index, "units"), ActivationOrNull(spec.Activation), InitializerOrDefault(spec.Init)),
            "flatten" => new Flatten(),
            "dropout" => new Dropout(Require(spec.Rate, spec, index, "rate")),
            "activation" => new ActivationLayer(ActivationOrNull(Require(spec.Activation, spec, index, "activation")) ?? new Linear()),
            "conv2d" => ConvLayerSpecs.Conv2D(spec, index),
            "maxpool2d" => ConvLayerSpecs.MaxPool2D(spec, index),
            "avgpool2d" => ConvLayerSpecs.AvgPool2D(spec, index),
            "batchnorm" => ConvLayerSpecs.BatchNorm(spec),
            "rnn" or "simple_rnn" => new SimpleRnn(Require(spec.Units, spec, index, "units"), spec.ReturnSequences ?? false, spec.Bptt ?? 0, InitializerOrDefault(spec.Init)),
            "lstm" => new Lstm(Require(spec.Units, spec, index, "units"), spec.ReturnSequences ?? false, spec.Bptt ?? 0, InitializerOrDefault(spec.Init)),
            "gru" => new Gru(Require(spec.Units, spec, index, "units"), spec.ReturnSequences ?? false, spec.Bptt ?? 0, InitializerOrDefault(spec.Init)),
            _ => throw new ShapeException($"layer {index}: unknown layer type '{spec.Type}'"),
        };
        layer.Name = spec.Name ?? $"{index}.{spec.Type.ToLowerInvariant()}";
        return layer;
    }

    /// <summary>relu, sigmoid, tanh, softmax, step, linear (null); unknown names throw an ArgumentException listing the known ones.</summary>
    public static Activation? ActivationOrNull(string? name) => Activation.FromName(name);

    /// <summary>See <see cref="Initializer.FromName"/>; null (the layer's default) when absent.</summary>
    public static Initializer? InitializerOrDefault(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : Initializer.FromName(name);

    /// <summary>mse/quadratic, binary_cross_entropy, sigmoid_binary_cross_entropy, softmax_cross_entropy.</summary>
    public static Loss CreateLoss(string name)
    {
        try
        {
            return Loss.FromName(name);
        }
        catch (ArgumentException e)
        {
            throw new ShapeException(e.Message);
        }
    }

    private static int Require(int? value, LayerSpec spec, int index, string field) =>
        value ?? throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" is required");

    private static double Require(double? value, LayerSpec spec, int index, string field) =>
        value ?? throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" is required");

    private static string Require(string? value, LayerSpec spec, int index, string field) =>
        value ?? throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" is required");
}
