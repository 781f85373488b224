using DistNN.Tensors;

namespace DistNN.Nn.Losses;

/// <summary>
/// A cost summed over each sample's outputs and averaged over the batch. Targets have the predictions' shape
/// (one-hot for classes).
/// </summary>
public abstract class Loss
{
    public abstract string Name { get; }

    /// <summary>Returns the mean loss and writes dLoss/dPredictions (already divided by the batch size) into <paramref name="gradient"/>.</summary>
    public abstract float Compute(Tensor predictions, Tensor targets, Tensor gradient);

    /// <summary>A loss by spec name.</summary>
    public static Loss FromName(string name) => name.ToLowerInvariant() switch
    {
        "softmax_cross_entropy" or "cross_entropy" => new SoftmaxCrossEntropy(),
        "mse" or "quadratic" or "mean_squared_error" => new MeanSquaredError(),
        "binary_cross_entropy" or "bce" => new BinaryCrossEntropy(),
        "sigmoid_binary_cross_entropy" or "bce_with_logits" => new SigmoidBinaryCrossEntropy(),
        _ => throw new ArgumentException($"unknown loss '{name}' (known: {string.Join(", ", KnownNames)})"),
    };

    public static IReadOnlyList<string> KnownNames { get; } =
        ["softmax_cross_entropy", "mse (quadratic)", "binary_cross_entropy", "sigmoid_binary_cross_entropy"];

    protected static void CheckShapes(Tensor predictions, Tensor targets, Tensor gradient, string name)
    {
        if (!predictions.Shape.SequenceEqual(targets.Shape) || !predictions.Shape.SequenceEqual(gradient.Shape))
        {
            throw new ArgumentException(
                $"{name}: predictions [{predictions.ShapeString}], targets [{targets.ShapeString}] and gradient [{gradient.ShapeString}] must have one shape");
        }
    }
}
