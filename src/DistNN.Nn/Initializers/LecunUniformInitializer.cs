namespace DistNN.Nn.Initializers;

/// <summary>LeCun et al. 1998 as in Keras: U(−l, l), l = √(3 / fan_in), so Var(W) = 1 / fan_in; bias zero.</summary>
public sealed class LecunUniformInitializer : Initializer
{
    public override string Name => "lecun_uniform";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) =>
        FillUniform(weights, Math.Sqrt(3.0 / fanIn), rng);
}
