namespace DistNN.Nn.Activations;

/// <summary>
/// An elementwise nonlinearity a = σ(z). Backward multiplies the incoming gradient by σ'(z),
/// expressed through z and a (whichever is cheaper).
/// </summary>
public abstract class Activation
{
    public abstract string Name { get; }

    public abstract void Forward(ReadOnlySpan<float> z, Span<float> a);

    /// <summary>dz = da ⊙ σ'(z); dz may alias da.</summary>
    public abstract void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz);

    /// <summary>False for step: it has no useful gradient, so gradient training rejects it.</summary>
    public virtual bool HasGradient => true;
}
