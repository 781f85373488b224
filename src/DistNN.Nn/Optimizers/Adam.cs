using System.Numerics;
using System.Runtime.CompilerServices;

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize)
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
        var m = state.Slice(0, n);
        var v = state.Slice(n, n);
        int i = 0;
        int width = Vector<float>.Count;
        var vl1 = new Vector<float>(l1);
        var vl2 = new Vector<float>(l2);
        var vb1 = new Vector<float>(b1);
        var vb2 = new Vector<float>(b2);
        var v1b1 = new Vector<float>(1f - b1);
        var v1b2 = new Vector<float>(1f - b2);
        var veps = new Vector<float>(eps);
        var vstep = new Vector<float>(stepSize);
        var vcorr = new Vector<float>(invSqrtCorrection2);
        for (; i <= n - width; i += width)
        {
            var w = new Vector<float>(weights.Slice(i));
            var g = Penalize(new Vector<float>(gradient.Slice(i)), w, vl1, vl2);
            var mi = vb1 * new Vector<float>(m.Slice(i)) + v1b1 * g;
            var vi = vb2 * new Vector<float>(v.Slice(i)) + v1b2 * g * g;
            mi.CopyTo(m.Slice(i));
            vi.CopyTo(v.Slice(i));
            (w - vstep * mi / (Vector.SquareRoot(vi) * vcorr + veps)).CopyTo(weights.Slice(i));
        }
        for (; i < n; i++)
        {
            float g = Penalize(gradient[i], weights[i], l1, l2);
            float mi = b1 * m[i] + (1f - b1) * g;
            float vi = b2 * v[i] + (1f - b2) * g * g;
            m[i] = mi;
            v[i] = vi;
            weights[i] -= stepSize * mi / (MathF.Sqrt(vi) * invSqrtCorrection2 + eps);
        }
    }
}
