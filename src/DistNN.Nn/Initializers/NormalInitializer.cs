namespace DistNN.Nn.Initializers;

/// <summary>N(0, std²) regardless of fan.</summary>
public sealed class NormalInitializer(double std) : Initializer
{
    public double Std { get; } = std;

    public override string Name => $"normal:{Std}";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) => Gaussian.Fill(weights, 0, Std, rng);
}
