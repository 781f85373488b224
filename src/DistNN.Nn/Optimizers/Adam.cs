using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba 2015, https://arxiv.org/abs/1412.6980): m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
/// w ← w − η·m̂ / (√v̂ + ε) with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), computed as PyTorch does:
/// w ← w − (η / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε). L2 here is coupled (added to g), not AdamW.
/// State slot 0 is m, slot 1 is v. One fused pass over the five streams, no allocation.
/// </summary>
public sealed class Adam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f) : Optimizer
{
    public float Beta1 { get; } = beta1 is >= 0f and < 1f ? beta1 : throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");

    public float Beta2 { get; } = beta2 is >= 0f and < 1f ? beta2 : throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");

    public float Epsilon { get; } = epsilon;

    public override string Name => "adam";

    public override int StateSlots => 2;

    public override unsafe void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
    {
        CheckLengths(weights, gradient, state);
        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Adam's step counts from 1");
        }
        float l1 = regularize ? L1 : 0f;
        float l2 = regularize ? L2 : 0f;
        float b1 = Beta1;
        float b2 = Beta2;
        float eps = Epsilon;
        float stepSize = (float)(LearningRate / (1 - Math.Pow(b1, step)));
        float invSqrtCorrection2 = (float)(1 / Math.Sqrt(1 - Math.Pow(b2, step)));
        int n = weights.Length;
        fixed (float* w = weights)
        fixed (float* g = gradient)
        fixed (float* st = state)
        {
            Elementwise.Run(new Rule(w, g, st, st + n, l1, l2, b1, b2, eps, stepSize, invSqrtCorrection2), n);
        }
    }

    /// <summary>One fused pass over the five streams: penalty, both moments, step.</summary>
    private readonly unsafe struct Rule(float* weights, float* gradient, float* m, float* v, float l1, float l2, float b1, float b2,
        float eps, float stepSize, float invSqrtCorrection2) : IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply<TV>(long i)
            where TV : unmanaged, ISimd<TV>
        {
            var w = TV.Load(weights + i);
            var g = Penalize(TV.Load(gradient + i), w, TV.Broadcast(l1), TV.Broadcast(l2));
            var mi = TV.Broadcast(b1) * TV.Load(m + i) + TV.Broadcast(1f - b1) * g;
            var vi = TV.Broadcast(b2) * TV.Load(v + i) + TV.Broadcast(1f - b2) * g * g;
            TV.Store(mi, m + i);
            TV.Store(vi, v + i);
            TV.Store(w - TV.Broadcast(stepSize) * mi / (TV.SquareRoot(vi) * TV.Broadcast(invSqrtCorrection2) + TV.Broadcast(eps)), weights + i);
        }
    }
}
