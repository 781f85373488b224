using CsCheck;

namespace DistNN.Protocol.Tests;

/// <summary>Generators and helpers shared by the specs.</summary>
internal static class TestData
{
    /// <summary>Every kind of float: ordinary, uniformly random bits, and the special values codecs get wrong.</summary>
    public static readonly Gen<float> AnyFloat = Gen.Frequency(
        (4, Gen.Float[-10f, 10f]),
        (3, Gen.UInt.Select(BitConverter.UInt32BitsToSingle)),
        (1, Gen.OneOf(float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, float.Epsilon,
            -float.Epsilon, 1e-40f, -3e-39f, float.MaxValue, float.MinValue, 65504f, 65520f, 6e-8f)));

    /// <summary>Finite floats over many magnitudes, subnormals included.</summary>
    public static readonly Gen<float> FiniteFloat = AnyFloat.Where(float.IsFinite);

    /// <summary>Shapes of rank 0–4 with up to ~4,000 elements, empty ones included.</summary>
    public static readonly Gen<int[]> Shape = Gen.Int[0, 4].SelectMany(rank => Gen.Int[0, 12].Array[rank]);

    /// <summary>The values of a chunk of one of <see cref="Shape"/>'s shapes.</summary>
    public static Gen<float[]> Chunk(Gen<float> values) =>
        Shape.SelectMany(shape => values.Array[shape.Aggregate(1, (volume, d) => volume * d)]);

    /// <summary>Bitwise equality, so NaN payloads and −0 count.</summary>
    public static bool BitwiseEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));

    public static float[] RandomFloats(int n, int seed)
    {
        var random = new Random(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return values;
    }
}
