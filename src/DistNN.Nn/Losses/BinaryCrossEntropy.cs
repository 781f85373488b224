using DistNN.Tensors;

namespace DistNN.Nn.Losses;

/// <summary>
/// Binary cross-entropy on probabilities p (e.g. after a sigmoid), for every output independently:
/// L = −(1/B) Σ [t log p + (1 − t) log(1 − p)], summed over a sample's outputs and averaged over the batch;
/// dL/dp = (p − t) / (p(1 − p)) / B. p is clamped to [ε, 1 − ε], ε = 1e−7, so log and the division stay finite
/// (a saturated sigmoid then still gets a bounded gradient). On logits prefer <see cref="SigmoidBinaryCrossEntropy"/>.
/// </summary>
public sealed class BinaryCrossEntropy : Loss
{
    public const float Epsilon = 1e-7f;

    public override string Name => "binary_cross_entropy";

    public override float Compute(Tensor predictions, Tensor targets, Tensor gradient)
    {
        CheckShapes(predictions, targets, gradient, Name);
        int batch = predictions.Rows;
        var p = predictions.Span;
        var t = targets.Span;
        var g = gradient.Span;
        double total = 0;
        float invBatch = 1f / batch;
        for (int i = 0; i < p.Length; i++)
        {
            double pi = Math.Clamp(p[i], Epsilon, 1f - Epsilon);
            double ti = t[i];
            total -= ti * Math.Log(pi) + (1 - ti) * Math.Log(1 - pi);
            g[i] = (float)((pi - ti) / (pi * (1 - pi))) * invBatch;
        }
        return (float)(total / batch);
    }
}
