namespace DistNN.Nn.Initializers;

/// <summary>He et al. 2015 (for ReLU): U(−l, l), l = √(6 / fan_in), so Var(W) = 2 / fan_in.</summary>
public sealed class HeUniformInitializer : Initializer
{
    public override string Name => "he_uniform";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) =>
        FillUniform(weights, Math.Sqrt(6.0 / fanIn), rng);
}
