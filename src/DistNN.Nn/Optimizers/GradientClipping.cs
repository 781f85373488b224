using System.Numerics.Tensors;

namespace DistNN.Nn.Optimizers;

/// <summary>
/// Clipping by global norm (Pascanu et al. 2013, https://arxiv.org/abs/1211.5063): if ‖g‖ = √(Σ over all
/// trainable tensors of Σg²) exceeds maxNorm, every gradient is scaled by maxNorm / (‖g‖ + 1e−6), as PyTorch's
/// clip_grad_norm_ does, so the direction is kept and exploding recurrent gradients are tamed.
/// </summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the norm before clipping. State parameters are skipped.</summary>
    public static float ClipByGlobalNorm(IReadOnlyList<Parameter> parameters, float maxNorm)
    {
        if (!(maxNorm > 0f))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the maximum gradient norm must be positive");
        }
        double sumOfSquares = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            if (parameters[i].Grad is { } grad)
            {
                sumOfSquares += TensorPrimitives.SumOfSquares(grad.Span);
            }
        }
        float norm = (float)Math.Sqrt(sumOfSquares);
        if (norm > maxNorm)
        {
            float scale = maxNorm / (norm + 1e-6f);
            for (int i = 0; i < parameters.Count; i++)
            {
                if (parameters[i].Grad is { } grad)
                {
                    TensorPrimitives.Multiply(grad.Span, scale, grad.Span);
                }
            }
        }
        return norm;
    }
}
