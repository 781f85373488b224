namespace DistNN.Nn.Activations;

/// <summary>
/// A nonlinearity a = σ(z). Backward multiplies the incoming gradient by σ'(z), expressed through z and a
/// (whichever is cheaper). Most activations are elementwise; softmax normalises each row of the last axis,
/// so callers pass the row length to the row-aware overloads (elementwise activations ignore it).
/// </summary>
public abstract class Activation
{
    public abstract string Name { get; }

    public abstract void Forward(ReadOnlySpan<float> z, Span<float> a);

    /// <summary>dz = da ⊙ σ'(z); dz may alias da.</summary>
    public abstract void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz);

    /// <summary>Forward over consecutive rows of <paramref name="rowLength"/> elements (the last axis).</summary>
    public virtual void Forward(ReadOnlySpan<float> z, Span<float> a, int rowLength) => Forward(z, a);

    /// <summary>Backward over consecutive rows of <paramref name="rowLength"/> elements (the last axis).</summary>
    public virtual void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz, int rowLength) =>
        Backward(z, a, da, dz);

    /// <summary>False for step: it has no useful gradient, so gradient training rejects it.</summary>
    public virtual bool HasGradient => true;

    /// <summary>An activation by its spec name; null for "linear"/"none"/absent (the identity, fused away).</summary>
    public static Activation? FromName(string? name) => name?.ToLowerInvariant() switch
    {
        null or "" or "linear" or "none" or "identity" => null,
        "relu" => new Relu(),
        "sigmoid" => new Sigmoid(),
        "tanh" => new Tanh(),
        "softmax" => new Softmax(),
        "step" or "heaviside" => new Step(),
        _ => throw new ArgumentException($"unknown activation '{name}' (known: {string.Join(", ", KnownNames)})"),
    };

    public static IReadOnlyList<string> KnownNames { get; } = ["relu", "sigmoid", "tanh", "softmax", "step", "linear"];
}
