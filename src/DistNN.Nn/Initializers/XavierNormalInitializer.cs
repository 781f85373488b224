namespace DistNN.Nn.Initializers;

/// <summary>Glorot &amp; Bengio 2010, normal form: N(0, 2 / (fan_in + fan_out)).</summary>
public sealed class XavierNormalInitializer : Initializer
{
    public override string Name => "xavier_normal";

    public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng) =>
        Gaussian.Fill(weights, 0, Math.Sqrt(2.0 / (fanIn + fanOut)), rng);
}
