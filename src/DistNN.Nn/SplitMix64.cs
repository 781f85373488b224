namespace DistNN.Nn;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny, fast, seedable generator for per-step randomness such as dropout
/// masks, where a seeded System.Random (one slow draw per value) would cost as much as the layer's arithmetic.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
