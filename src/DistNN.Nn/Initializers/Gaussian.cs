namespace DistNN.Nn.Initializers;

/// <summary>Normal draws from <see cref="Random"/> by Box–Muller (deterministic for a seeded generator).</summary>
public static class Gaussian
{
    /// <summary>Fills with N(mean, std²): each pair of uniforms u₁ ∈ (0,1], u₂ gives r·cos θ and r·sin θ, r = √(−2 ln u₁), θ = 2πu₂.</summary>
    public static void Fill(Span<float> values, double mean, double std, Random rng)
    {
        int i = 0;
        for (; i + 1 < values.Length; i += 2)
        {
            var (a, b) = NextPair(rng);
            values[i] = (float)(mean + std * a);
            values[i + 1] = (float)(mean + std * b);
        }
        if (i < values.Length)
        {
            values[i] = (float)(mean + std * NextPair(rng).A);
        }
    }

    /// <summary>Fills with N(0, 1) in double precision.</summary>
    public static void Fill(Span<double> values, Random rng)
    {
        for (int i = 0; i < values.Length; i += 2)
        {
            var (a, b) = NextPair(rng);
            values[i] = a;
            if (i + 1 < values.Length)
            {
                values[i + 1] = b;
            }
        }
    }

    private static (double A, double B) NextPair(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double theta = 2.0 * Math.PI * u2;
        return (r * Math.Cos(theta), r * Math.Sin(theta));
    }
}
