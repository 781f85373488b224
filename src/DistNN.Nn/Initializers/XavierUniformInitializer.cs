namespace DistNN.Nn.Initializers;

/// <summary>Glorot &amp; Bengio 2010: U(−l, l), l = √(6 / (fan_in + fan_out)), so Var(W) = 2 / (fan_in + fan_out).</summary>
public sealed class XavierUniformInitializer : Initializer
{
    public override string Name => "xavier_uniform";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) =>
        FillUniform(weights, Math.Sqrt(6.0 / (fanIn + fanOut)), rng);
}
