namespace DistNN.Nn.Initializers;

/// <summary>How a weight tensor gets its first values, from its fan-in and fan-out.</summary>
public abstract class Initializer
{
    public abstract string Name { get; }

    public abstract void Fill(Span<float> weights, int fanIn, int fanOut, Random rng);

    /// <summary>Glorot &amp; Bengio 2010: U(−l, l), l = √(6 / (fan_in + fan_out)), so Var(W) = 2 / (fan_in + fan_out).</summary>
    public static Initializer XavierUniform { get; } = new XavierUniformInitializer();

    private sealed class XavierUniformInitializer : Initializer
    {
        public override string Name => "xavier_uniform";

        public override void Fill(Span<float> weights, int fanIn, int fanOut, Random rng)
        {
            double limit = Math.Sqrt(6.0 / (fanIn + fanOut));
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
            }
        }
    }
}
