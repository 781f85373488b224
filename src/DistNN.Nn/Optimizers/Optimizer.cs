namespace DistNN.Nn.Optimizers;

/// <summary>
/// An update rule over flat spans, so that a local model and a parameter server chunk share the code.
/// Each weight may carry <see cref="StateSlots"/> floats of optimizer state (momentum, squared-gradient sums).
/// L1/L2 penalties are added to the gradient before the rule: g' = g + λ₂·w + λ₁·sign(w).
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
    /// Updates <paramref name="weights"/> in place. <paramref name="state"/> has StateSlots × weights.Length floats laid out slot by slot;
    /// <paramref name="step"/> counts updates of this tensor from 1.
    /// </summary>
    public abstract void Update(Span<float> weights, ReadOnlySpan<float> gradient, Span<float> state, long step, bool regularize);
}
