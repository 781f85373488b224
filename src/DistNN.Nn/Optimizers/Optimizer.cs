using System.Numerics;
using System.Runtime.CompilerServices;

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
    protected static Vector<float> Penalize(Vector<float> g, Vector<float> w, Vector<float> l1, Vector<float> l2)
    {
        var positive = Vector.ConditionalSelect(Vector.GreaterThan(w, Vector<float>.Zero), l1, Vector<float>.Zero);
        var negative = Vector.ConditionalSelect(Vector.LessThan(w, Vector<float>.Zero), l1, Vector<float>.Zero);
        return g + l2 * w + positive - negative;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Penalize(float g, float w, float l1, float l2) => g + l2 * w + l1 * MathF.Sign(w);
}
