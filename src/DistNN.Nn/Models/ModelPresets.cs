namespace DistNN.Nn.Models;

/// <summary>
/// Named model specs. Every preset takes MNIST-shaped samples [28, 28, 1] (NHWC) so the same data feeds every
/// model; dense models start with a flatten (a view, no copy).
/// </summary>
public static class ModelPresets
{
    private static readonly Dictionary<string, Func<ModelSpec>> s_presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mlp"] = Mlp,
        ["cnn"] = () => CnnPreset.Cnn,
        ["rnn"] = () => RecurrentPresets.Get("rnn"),
        ["lstm"] = () => RecurrentPresets.Get("lstm"),
        ["gru"] = () => RecurrentPresets.Get("gru"),
    };

    public static IReadOnlyList<string> Names => s_presets.Keys.Order(StringComparer.Ordinal).ToArray();

    public static ModelSpec Get(string name) =>
        s_presets.TryGetValue(name, out var create)
            ? create()
            : throw new ArgumentException($"unknown model preset '{name}' (known: {string.Join(", ", Names)}); or pass a model spec JSON file");

    /// <summary>
    /// 784-256-128-10 with ReLU, logits out, softmax cross-entropy: the reference `mlp` of the benchmarks.
    /// Initialised He-uniform (Var = 2/fan_in, zero biases) rather than like PyTorch's nn.Linear (torch_default,
    /// U(±1/√fan_in), Var = 1/(3·fan_in)): it learns faster in the first epoch (docs/performance.md has the
    /// comparison). torch_default stays available by name for like-for-like comparisons with the reference.
    /// </summary>
    public static ModelSpec Mlp() => new()
    {
        Name = "mlp",
        Input = [28, 28, 1],
        Loss = "softmax_cross_entropy",
        Layers =
        [
            new LayerSpec { Type = "flatten" },
            new LayerSpec { Type = "dense", Units = 256, Activation = "relu", Init = "he_uniform" },
            new LayerSpec { Type = "dense", Units = 128, Activation = "relu", Init = "he_uniform" },
            new LayerSpec { Type = "dense", Units = 10, Init = "he_uniform" },
        ],
    };
}
