namespace DistNN.Nn.Models;

// TEMPORARY stand-in until the nn branch lands.
public static class ModelPresets
{
    public static ModelSpec Get(string name) => name switch
    {
        "mlp" => new ModelSpec
        {
            Name = "mlp",
            Input = [784],
            Layers =
            [
                new LayerSpec { Type = "dense", Units = 256, Activation = "relu" },
                new LayerSpec { Type = "dense", Units = 128, Activation = "relu" },
                new LayerSpec { Type = "dense", Units = 10 },
            ],
        },
        _ => throw new ArgumentException($"unknown model '{name}'"),
    };
}
