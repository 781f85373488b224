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
        if (spec.Input.Length == 0 || spec.Input.Any(d => d <= 0))
        {
            throw new ShapeException($"model '{spec.Name}': input shape [{string.Join(",", spec.Input)}] needs at least one axis and positive sizes");
        }
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
        var loss = CreateLoss(spec.Loss);
        if (loss is SoftmaxCrossEntropy && layers.Count > 0 && EndsInSoftmax(layers[^1]))
        {
            throw new ShapeException(
                $"layer {layers.Count - 1} ('{layers[^1].Name}') ends in a softmax, but the loss softmax_cross_entropy applies the softmax itself and takes logits; drop the final softmax");
        }
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

    private static bool EndsInSoftmax(Layer layer) =>
        layer is ActivationLayer { Activation: Softmax } or Dense { Activation: Softmax };

    private static int Require(int? value, LayerSpec spec, int index, string field) =>
        value ?? throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" is required");

    private static double Require(double? value, LayerSpec spec, int index, string field) =>
        value ?? throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" is required");

    private static string Require(string? value, LayerSpec spec, int index, string field) =>
        value ?? throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" is required");
}
