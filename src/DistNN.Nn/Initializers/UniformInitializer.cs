namespace DistNN.Nn.Initializers;

/// <summary>U(−limit, limit) regardless of fan; Var(W) = limit² / 3.</summary>
public sealed class UniformInitializer(double limit) : Initializer
{
    public double Limit { get; } = limit;

    public override string Name => $"uniform:{Limit}";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) => FillUniform(weights, Limit, rng);
}
