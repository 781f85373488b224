namespace DistNN.Nn.Activations;

/// <summary>
/// Heaviside step of the perceptron: a = 1 if z &gt; 0 else 0. Its derivative is 0 almost everywhere, so
/// backpropagation cannot train through it (<see cref="HasGradient"/> is false); train a single step
/// layer with the perceptron rule instead (<see cref="Models.Perceptron"/>).
/// </summary>
public sealed class Step : Activation
{
    public override string Name => "step";

    public override bool HasGradient => false;

    public override void Forward(ReadOnlySpan<float> z, Span<float> a)
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = z[i] > 0f ? 1f : 0f;
        }
    }

    /// <summary>The true derivative (0 wherever it exists); layers refuse to train through step before this is reached.</summary>
    public override void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> a, ReadOnlySpan<float> da, Span<float> dz) => dz.Clear();
}
