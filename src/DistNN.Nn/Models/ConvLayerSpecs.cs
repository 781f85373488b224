using DistNN.Nn.Layers;
using DistNN.Nn.Layers.Conv;

namespace DistNN.Nn.Models;

/// <summary>
/// Reads the convolutional layer types of a <see cref="LayerSpec"/>: "conv2d" (filters, kernel, stride, padding,
/// activation, init), "maxpool2d" / "avgpool2d" (kernel, stride, padding) and "batchnorm" (momentum, epsilon).
/// kernel and stride take one number (square) or [height, width]; pooling's stride defaults to its kernel.
/// Shapes are checked when the model is built, with messages naming the layer.
/// </summary>
internal static class ConvLayerSpecs
{
    public static Layer Conv2D(LayerSpec spec, int index)
    {
        int filters = spec.Filters ?? throw Missing(spec, index, "filters");
        var (kh, kw) = Pair(spec.Kernel, spec, index, "kernel") ?? throw Missing(spec, index, "kernel");
        var (sh, sw) = Pair(spec.Stride, spec, index, "stride") ?? (1, 1);
        return new Conv2D(filters, kh, kw, sh, sw, Padding(spec, index),
            ModelBuilder.ActivationOrNull(spec.Activation), ModelBuilder.InitializerOrDefault(spec.Init));
    }

    public static Layer MaxPool2D(LayerSpec spec, int index)
    {
        var (kh, kw) = Pair(spec.Kernel, spec, index, "kernel") ?? throw Missing(spec, index, "kernel");
        var stride = Pair(spec.Stride, spec, index, "stride");
        return new MaxPool2D(kh, kw, stride?.Item1, stride?.Item2, Padding(spec, index));
    }

    public static Layer AvgPool2D(LayerSpec spec, int index)
    {
        var (kh, kw) = Pair(spec.Kernel, spec, index, "kernel") ?? throw Missing(spec, index, "kernel");
        var stride = Pair(spec.Stride, spec, index, "stride");
        return new AvgPool2D(kh, kw, stride?.Item1, stride?.Item2, Padding(spec, index));
    }

    public static Layer BatchNorm(LayerSpec spec) => new BatchNorm(spec.Momentum ?? 0.99, spec.Epsilon ?? 1e-5);

    private static (int, int)? Pair(int[]? values, LayerSpec spec, int index, string field) => values switch
    {
        null => null,
        [var both] => (both, both),
        [var first, var second] => (first, second),
        _ => throw new ShapeException($"layer {index} ({spec.Type}): \"{field}\" takes one number or [height, width], got {values.Length} numbers"),
    };

    private static Padding2D Padding(LayerSpec spec, int index)
    {
        try
        {
            return Padding2D.Parse(spec.Padding);
        }
        catch (FormatException e)
        {
            throw new ShapeException($"layer {index} ({spec.Type}): {e.Message}");
        }
    }

    private static ShapeException Missing(LayerSpec spec, int index, string field) =>
        new($"layer {index} ({spec.Type}): \"{field}\" is required");
}
