using DistNN.Tensors;
using System.Numerics.Tensors;

namespace DistNN.Nn.Losses;

/// <summary>
/// Quadratic cost as in Nielsen's book: L = (1/B) Σ_b ½‖y_b − t_b‖², i.e. half the squared error summed over a
/// sample's outputs, averaged over the batch (not over outputs, unlike PyTorch's MSELoss); dL/dy = (y − t) / B.
/// </summary>
public sealed class MeanSquaredError : Loss
{
    public override string Name => "mse";

    public override float Compute(Tensor predictions, Tensor targets, Tensor gradient)
    {
        CheckShapes(predictions, targets, gradient, Name);
        int batch = predictions.Rows;
        var g = gradient.Span;
        TensorPrimitives.Subtract(predictions.Span, targets.Span, g);
        float sumOfSquares = TensorPrimitives.SumOfSquares(g);
        TensorPrimitives.Multiply(g, 1f / batch, g);
        return 0.5f * sumOfSquares / batch;
    }
}
