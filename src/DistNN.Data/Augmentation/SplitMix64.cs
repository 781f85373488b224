using System.Numerics.Tensors;

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

    /// <summary>
    /// Fills <paramref name="values"/> with standard normal draws by Box–Muller, z = √(−2 ln u₁)·(sin, cos)(2πu₂),
    /// vectorised over the whole span; <paramref name="scratch"/> needs ⌈values.Length / 2⌉ × 2 elements.
    /// Float uniforms with 24 random bits cap |z| at about 5.8, which is immaterial for data augmentation.
    /// </summary>
    public void FillStandardNormal(Span<float> values, Span<float> scratch)
    {
        int half = (values.Length + 1) / 2;
        var radius = scratch[..half];
        var angle = scratch.Slice(half, half);
        const float unit = 1f / (1 << 24);
        for (int i = 0; i < half; i++)
        {
            ulong bits = NextUInt64();
            radius[i] = ((uint)(bits >> 40) + 1) * unit;        // (0, 1], so the logarithm is finite
            angle[i] = (uint)(bits & 0xFFFFFF) * unit;          // [0, 1)
        }
        TensorPrimitives.Log(radius, radius);
        TensorPrimitives.Multiply(radius, -2f, radius);
        TensorPrimitives.Sqrt(radius, radius);
        TensorPrimitives.Multiply(angle, 2 * MathF.PI, angle);
        // Sines go to the first half of values, cosines to the rest (the last cosine is dropped when the length is odd).
        var sines = values[..half];
        var cosines = values[half..];
        if (cosines.Length == half)
        {
            TensorPrimitives.SinCos(angle, sines, cosines);
            TensorPrimitives.Multiply(cosines, radius, cosines);
        }
        else
        {
            TensorPrimitives.Cos(angle[..cosines.Length], cosines);
            TensorPrimitives.Multiply(cosines, radius[..cosines.Length], cosines);
            TensorPrimitives.Sin(angle, sines);
        }
        TensorPrimitives.Multiply(sines, radius, sines);
    }
}
