namespace DistNN.Nn.Models;

/// <summary>
/// Row-sequential MNIST classifiers: a [28, 28, 1] image read as 28 steps of 28 pixels, a recurrent layer of 128 units,
/// its last state into a dense layer of 10 logits, softmax cross-entropy — the networks of the PyTorch reference
/// benchmark (nn.RNN with tanh / nn.LSTM, hidden 128).
/// </summary>
public static class RecurrentPresets
{
    public static IReadOnlyList<string> Names { get; } = ["rnn", "lstm", "gru"];

    public static ModelSpec Get(string name)
    {
        string type = name.ToLowerInvariant();
        if (!Names.Contains(type))
        {
            throw new ArgumentException($"unknown recurrent preset '{name}' (known: {string.Join(", ", Names)})", nameof(name));
        }
        return new ModelSpec
        {
            Name = type,
            Input = [28, 28, 1],
            Loss = "softmax_cross_entropy",
            Layers =
            [
                new LayerSpec { Type = type, Units = 128 },
                new LayerSpec { Type = "dense", Units = 10 },
            ],
        };
    }
}
