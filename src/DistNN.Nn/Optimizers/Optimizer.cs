using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;

namespace DistNN.Nn.Optimizers;

/// <summary>
/// An update rule over flat spans, so that a local model and a parameter server chunk share the code.
/// Each weight may carry <see cref="StateSlots"/> floats of optimizer state (momentum, squared-gradient sums).
/// L1/L2 penalties are added to the gradient before the rule: g' = g + λ₂·w + λ₁·sign(w) (only where
/// <c>regularize</c> is set: weights, not biases).
/// </summary>
public abstract class Optimizer
{
    public float LearningRate { get; set; } = 0.01f;

    public float L1 { get; set; }

    public float L2 { get; set; }

    public abstract string Name { get; }

    /// <summary>Floats of state per weight.</summary>
    public abstract int StateSlots { get; }

    /// <summary>
    /// Updates <paramref name="weights"/> in place. <paramref name="state"/> has StateSlots × weights.Length floats laid out slot by slot
    /// (slot s of weight i at s·n + i), zero before the first step; <paramref name="step"/> counts updates of this tensor from 1.
    /// </summary>
    public abstract void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize);

    protected void CheckLengths(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state)
    {
        if (gradient.Length != weights.Length || state.Length < StateSlots * weights.Length)
        {
            throw new ArgumentException(
                $"{Name}: {weights.Length} weights need {weights.Length} gradients and {StateSlots * weights.Length} state floats, got {gradient.Length} and {state.Length}");
        }
    }

    /// <summary>g + λ₂·w + λ₁·sign(w), lane-wise (sign(0) = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Penalize<TV>(TV g, TV w, TV l1, TV l2)
        where TV : unmanaged, ISimd<TV>
    {
        var positive = TV.Select(TV.GreaterThan(w, TV.Zero), l1, TV.Zero);
        var negative = TV.Select(TV.LessThan(w, TV.Zero), l1, TV.Zero);
        return g + l2 * w + positive - negative;
    }
}
