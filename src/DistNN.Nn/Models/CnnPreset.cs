namespace DistNN.Nn.Models;

/// <summary>
/// The MNIST convolutional network of the reference benchmarks (421,642 parameters):
/// conv 1→32 3×3 same + ReLU, maxpool 2, conv 32→64 3×3 same + ReLU, maxpool 2, flatten, dense 3136→128 ReLU, dense 128→10.
/// </summary>
public static class CnnPreset
{
    public static ModelSpec Cnn { get; } = new()
    {
        Name = "cnn",
        Input = [28, 28, 1],
        Loss = "softmax_cross_entropy",
        Layers =
        [
            new LayerSpec { Type = "conv2d", Filters = 32, Kernel = [3, 3], Padding = "same", Activation = "relu", Init = "he_uniform" },
            new LayerSpec { Type = "maxpool2d", Kernel = [2, 2] },
            new LayerSpec { Type = "conv2d", Filters = 64, Kernel = [3, 3], Padding = "same", Activation = "relu", Init = "he_uniform" },
            new LayerSpec { Type = "maxpool2d", Kernel = [2, 2] },
            new LayerSpec { Type = "flatten" },
            new LayerSpec { Type = "dense", Units = 128, Activation = "relu", Init = "he_uniform" },
            new LayerSpec { Type = "dense", Units = 10 },
        ],
    };
}
