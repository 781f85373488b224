namespace DistNN.Nn.Initializers;

/// <summary>He et al. 2015 (for ReLU), normal form: N(0, 2 / fan_in).</summary>
public sealed class HeNormalInitializer : Initializer
{
    public override string Name => "he_normal";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) =>
        Gaussian.Fill(weights, 0, Math.Sqrt(2.0 / fanIn), rng);
}
