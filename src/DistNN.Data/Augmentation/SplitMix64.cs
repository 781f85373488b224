namespace DistNN.Data.Augmentation;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny value-type generator that can be reseeded per batch without
/// allocating, so augmentation of batch k depends only on (seed, k).
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed)
    {
        _state = seed;
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [−bound, bound].</summary>
    public double NextSymmetric(double bound) => (2 * NextDouble() - 1) * bound;

    /// <summary>A whole number uniform in −bound..bound.</summary>
    public int NextSymmetricInt(int bound) => (int)(NextUInt64() % (ulong)(2 * bound + 1)) - bound;

    /// <summary>Fills <paramref name="values"/> with standard normal draws (Box–Muller, two per pair of uniforms).</summary>
    public void FillStandardNormal(Span<float> values)
    {
        int i = 0;
        for (; i + 1 < values.Length; i += 2)
        {
            var (a, b) = NextNormalPair();
            values[i] = (float)a;
            values[i + 1] = (float)b;
        }
        if (i < values.Length)
        {
            values[i] = (float)NextNormalPair().A;
        }
    }

    private (double A, double B) NextNormalPair()
    {
        double u1 = 1.0 - NextDouble(); // in (0, 1], so the logarithm is finite
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        var (s, c) = Math.SinCos(2 * Math.PI * u2);
        return (r * c, r * s);
    }
}
