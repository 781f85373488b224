using System.Buffers;
using System.Runtime.InteropServices;
using CsCheck;
using DistNN.Protocol.Codecs;

namespace DistNN.Protocol.Tests;

/// <summary>The dense encodings of chunk values (what <c>ChunkValuesFormatter</c> carries), encoded and decoded directly.</summary>
public class ValueCodecSpec
{
    private static float[] RoundTrip(float[] values, TensorEncoding encoding, int segment = 0)
    {
        var codes = new byte[ValueCodec.EncodedValueBytes(encoding, values.Length)];
        float scale = ValueCodec.EncodeDense(encoding, values, codes);
        var decoded = new float[values.Length];
        ReadOnlySequence<byte> bytes = segment > 0 ? Segments.Split(codes, segment) : new ReadOnlySequence<byte>(codes);
        ValueCodec.DecodeValues(encoding, scale, default, bytes, decoded);
        return decoded;
    }

    [Fact]
    public void None_round_trip_is_bit_exact_for_any_value()
    {
        TestData.Chunk(TestData.AnyFloat).Sample(values =>
            Assert.True(TestData.BitwiseEqual(values, RoundTrip(values, TensorEncoding.None))), iter: 300, threads: 1);
    }

    [Fact]
    public void None_codes_are_the_little_endian_floats()
    {
        float[] values = [1.5f, -2f, float.NaN];
        var codes = new byte[12];
        ValueCodec.EncodeDense(TensorEncoding.None, values, codes);
        Assert.Equal(MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), codes);
    }

    [Fact]
    public void Fp16_error_is_within_half_precision_rounding()
    {
        TestData.Chunk(TestData.AnyFloat).Sample(values =>
        {
            float[] d = RoundTrip(values, TensorEncoding.Fp16);
            for (int i = 0; i < values.Length; i++)
            {
                float x = values[i];
                float a = MathF.Abs(x);
                if (float.IsNaN(x))
                {
                    Assert.True(float.IsNaN(d[i]));
                }
                else if (a < 65504f)
                {
                    // Relative 2^-11 for normal halves, absolute 2^-25 (half the smallest subnormal) below.
                    Assert.True(MathF.Abs(d[i] - x) <= MathF.Max(a * MathF.Pow(2, -11), MathF.Pow(2, -25)), $"{x} -> {d[i]}");
                }
                else
                {
                    Assert.Equal(MathF.Sign(x) * (a < 65520f ? 65504f : float.PositiveInfinity), d[i]);
                }
            }
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Int8_error_is_at_most_half_the_chunk_scale()
    {
        TestData.Chunk(TestData.FiniteFloat).Sample(values =>
        {
            float[] d = RoundTrip(values, TensorEncoding.Int8);
            float scale = Int8Quantizer.ScaleOf(values);
            float max = values.Length == 0 ? 0 : values.Max(MathF.Abs);
            Assert.True(Math.Abs(scale - max / 127.0) <= max / 127.0 * 1e-6 + float.Epsilon, $"scale {scale} for max {max}");
            for (int i = 0; i < values.Length; i++)
            {
                // s/2, plus float rounding of x/s and of q·s (one subnormal step when q·s is subnormal).
                Assert.True(MathF.Abs(d[i] - values[i]) <= scale * (0.5f + 2e-5f) + float.Epsilon,
                    $"{values[i]} -> {d[i]} with scale {scale}");
            }
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Int8_values_with_a_non_finite_one_decode_to_NaN_everywhere()
    {
        Assert.All(RoundTrip([1f, float.PositiveInfinity, -2f], TensorEncoding.Int8), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Segmented_codes_decode_like_contiguous_codes()
    {
        // A frame's bytes may come as a chain of segments; elements straddle segment borders.
        Gen.Select(TestData.Chunk(TestData.AnyFloat), Gen.OneOf(TensorEncoding.None, TensorEncoding.Fp16, TensorEncoding.Int8), Gen.Int[1, 50])
            .Sample((values, encoding, segment) =>
                Assert.True(TestData.BitwiseEqual(RoundTrip(values, encoding), RoundTrip(values, encoding, segment))),
                iter: 200, threads: 1);
    }
}
