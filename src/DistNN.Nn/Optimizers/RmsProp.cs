using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

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

    public override unsafe void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        CheckLengths(weights, gradient, state);
        float lr = LearningRate;
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        float rho = Rho;
        float eps = Epsilon;
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* mean = state)
        {
            Elementwise.Run(new Rule(w, g, mean, lr, l1, l2, rho, eps), weights.Length);
        }
    }

    /// <summary>One fused pass: penalty, running mean of g², step.</summary>
    private readonly unsafe struct Rule(float* weights, float* gradient, float* mean, float lr, float l1, float l2, float rho, float eps) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV>
        {
            var w = TV.Load(weights + i);
            var g = Penalize(TV.Load(gradient + i), w, TV.Broadcast(l1), TV.Broadcast(l2));
            var s = TV.Broadcast(rho) * TV.Load(mean + i) + TV.Broadcast(1f - rho) * g * g;
            TV.Store(s, mean + i);
            TV.Store(w - TV.Broadcast(lr) * g / (TV.SquareRoot(s) + TV.Broadcast(eps)), weights + i);
        }
    }
}
