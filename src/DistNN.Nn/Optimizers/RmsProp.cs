using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistNN.Nn.Optimizers;

/// <summary>
/// RMSProp (Hinton, Coursera lecture 6e, https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf):
/// s ← ρs + (1 − ρ)g²; w ← w − η·g / (√s + ε). PyTorch's defaults ρ = 0.99, ε = 1e−8. State slot 0 is s.
/// </summary>
public sealed class RmsProp(float rho = 0.99f, float epsilon = 1e-8f) : Optimizer
{
    public float Rho { get; } = rho is >= 0f and < 1f ? rho : throw new ArgumentOutOfRangeException(nameof(rho), rho, "rho must be in [0, 1)");

    public float Epsilon { get; } = epsilon;

    public override string Name => "rmsprop";

    public override int StateSlots => 1;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        CheckLengths(weights, gradient, state);
        float lr = LearningRate;
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        float rho = Rho;
        float eps = Epsilon;
        int n = weights.Length;
        var mean = state.Slice(0, n);
        int i = 0;
        int width = Vector<float>.Count;
        var vl1 = new Vector<float>(l1);
        var vl2 = new Vector<float>(l2);
        var vlr = new Vector<float>(lr);
        var veps = new Vector<float>(eps);
        var vrho = new Vector<float>(rho);
        var vone = new Vector<float>(1f - rho);
        for (; i <= n - width; i += width)
        {
            var w = new Vector<float>(weights.Slice(i));
            var g = Penalize(new Vector<float>(gradient.Slice(i)), w, vl1, vl2);
            var s = vrho * new Vector<float>(mean.Slice(i)) + vone * g * g;
            s.CopyTo(mean.Slice(i));
            (w - vlr * g / (Vector.SquareRoot(s) + veps)).CopyTo(weights.Slice(i));
        }
        for (; i < n; i++)
        {
            float g = Penalize(gradient[i], weights[i], l1, l2);
            float s = rho * mean[i] + (1f - rho) * g * g;
            mean[i] = s;
            weights[i] -= lr * g / (MathF.Sqrt(s) + eps);
        }
    }
}
