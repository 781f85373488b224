using System.Buffers;
using CsCheck;
using DistNN.Protocol.Codecs;
using DistNN.Protocol.Limits;

namespace DistNN.Protocol.Tests;

public class TensorChunkCodecSpec
{
    private static TensorChunk RoundTrip(TensorChunk chunk)
    {
        var buffer = new ArrayBufferWriter<byte>();
        TensorChunkCodec.Encode(buffer, chunk);
        return TensorChunkCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory));
    }

    [Fact]
    public void None_round_trip_is_bit_exact_for_any_shape_and_value()
    {
        TestData.Chunk(TestData.AnyFloat).Sample(c =>
        {
            using TensorChunk decoded = RoundTrip(TensorChunk.Dense(c.Header, c.Values));
            Assert.True(TestData.BitwiseEqual(c.Values, decoded.Values.Span));
            Assert.Equal(c.Header.Name, decoded.Name);
            Assert.Equal(c.Header.ParameterIndex, decoded.ParameterIndex);
            Assert.Equal(c.Header.Offset, decoded.Offset);
            Assert.Equal(c.Header.Shape, decoded.Shape.ToArray());
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void None_payload_is_one_bin_of_the_little_endian_floats()
    {
        float[] values = [1.5f, -2f, float.NaN];
        var buffer = new ArrayBufferWriter<byte>();
        TensorChunkCodec.Encode(buffer, TensorChunk.Dense(new TensorChunkHeader(0, "w", 0, [3]), values));
        byte[] expectedTail = [0xc4, 12, .. System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())];
        Assert.True(buffer.WrittenSpan.EndsWith(expectedTail));
    }

    [Fact]
    public void Fp16_error_is_within_half_precision_rounding()
    {
        TestData.Chunk(TestData.AnyFloat).Sample(c =>
        {
            using TensorChunk decoded = RoundTrip(TensorChunk.Dense(c.Header, c.Values, TensorEncoding.Fp16));
            ReadOnlySpan<float> d = decoded.Values.Span;
            for (int i = 0; i < c.Values.Length; i++)
            {
                float x = c.Values[i];
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
        TestData.Chunk(TestData.FiniteFloat).Sample(c =>
        {
            using TensorChunk decoded = RoundTrip(TensorChunk.Dense(c.Header, c.Values, TensorEncoding.Int8));
            float scale = Int8Quantizer.ScaleOf(c.Values);
            float max = c.Values.Length == 0 ? 0 : c.Values.Max(MathF.Abs);
            Assert.True(Math.Abs(scale - max / 127.0) <= max / 127.0 * 1e-6 + float.Epsilon, $"scale {scale} for max {max}");
            ReadOnlySpan<float> d = decoded.Values.Span;
            for (int i = 0; i < c.Values.Length; i++)
            {
                // s/2, plus float rounding of x/s and of q·s (one subnormal step when q·s is subnormal).
                Assert.True(MathF.Abs(d[i] - c.Values[i]) <= scale * (0.5f + 2e-5f) + float.Epsilon,
                    $"{c.Values[i]} -> {d[i]} with scale {scale}");
            }
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Int8_chunk_with_a_non_finite_value_decodes_to_NaN_everywhere()
    {
        using TensorChunk decoded = RoundTrip(TensorChunk.Dense(new TensorChunkHeader(0, "w", 0, [3]),
            new float[] { 1f, float.PositiveInfinity, -2f }, TensorEncoding.Int8));
        Assert.All(decoded.Values.ToArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Empty_tensor_round_trips_in_every_dense_encoding()
    {
        foreach (TensorEncoding encoding in new[] { TensorEncoding.None, TensorEncoding.Fp16, TensorEncoding.Int8 })
        {
            using TensorChunk decoded = RoundTrip(TensorChunk.Dense(new TensorChunkHeader(3, "empty", 7, [4, 0]), Array.Empty<float>(), encoding));
            Assert.Equal(0, decoded.ElementCount);
            Assert.Equal([4, 0], decoded.Shape.ToArray());
        }
    }

    [Fact]
    public void Segmented_input_decodes_like_contiguous_input()
    {
        // The data plane hands over frames as chains of 64 KiB segments; elements straddle segment borders.
        Gen.Select(TestData.Chunk(TestData.AnyFloat), Gen.OneOf(TensorEncoding.None, TensorEncoding.Fp16, TensorEncoding.Int8), Gen.Int[1, 50])
            .Sample((c, encoding, segment) =>
            {
                var buffer = new ArrayBufferWriter<byte>();
                TensorChunkCodec.Encode(buffer, TensorChunk.Dense(c.Header, c.Values, encoding));
                using TensorChunk whole = TensorChunkCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory));
                using TensorChunk pieces = TensorChunkCodec.Decode(Segments.Split(buffer.WrittenMemory, segment));
                Assert.True(TestData.BitwiseEqual(whole.Values.Span, pieces.Values.Span));
            }, iter: 200, threads: 1);
    }

    [Fact]
    public void Decode_into_a_destination_fills_it_without_renting()
    {
        float[] values = TestData.RandomFloats(1000, seed: 1);
        var buffer = new ArrayBufferWriter<byte>();
        TensorChunkCodec.Encode(buffer, TensorChunk.Dense(new TensorChunkHeader(1, "b", 10, [10, 100]), values));
        var destination = new float[1200];
        TensorChunkHeader header = TensorChunkCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory), destination,
            out TensorEncoding encoding);
        Assert.Equal((1, "b", 10L, TensorEncoding.None), (header.ParameterIndex, header.Name, header.Offset, encoding));
        Assert.True(TestData.BitwiseEqual(values, destination.AsSpan(0, 1000)));
    }

    [Fact]
    public void Chunk_larger_than_the_destination_is_refused()
    {
        var buffer = new ArrayBufferWriter<byte>();
        TensorChunkCodec.Encode(buffer, TensorChunk.Dense(new TensorChunkHeader(0, "w", 0, [100]), new float[100]));
        var e = Assert.Throws<WireProtocolException>(() =>
            TensorChunkCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory), new float[99], out _));
        Assert.Equal(ViolationKind.TensorTooLarge, e.Kind);
    }

    [Fact]
    public void Shape_beyond_the_element_limit_is_refused_before_reading_values()
    {
        var buffer = new ArrayBufferWriter<byte>();
        TensorChunkCodec.Encode(buffer, TensorChunk.Dense(new TensorChunkHeader(0, "w", 0, [64, 64]), new float[4096]));
        var limits = ProtocolLimits.Default with { MaxTensorElements = 4095 };
        var e = Assert.Throws<WireProtocolException>(() =>
            TensorChunkCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory), limits));
        Assert.Equal(ViolationKind.TensorTooLarge, e.Kind);
        Assert.Contains("64×64", e.Message);
    }

    [Fact]
    public void Rank_beyond_the_limit_is_refused()
    {
        var buffer = new ArrayBufferWriter<byte>();
        TensorChunkCodec.Encode(buffer, TensorChunk.Dense(new TensorChunkHeader(0, "w", 0, [1, 1, 1, 1]), new float[1]));
        var e = Assert.Throws<WireProtocolException>(() =>
            TensorChunkCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory), ProtocolLimits.Default with { MaxRank = 3 }));
        Assert.Equal(ViolationKind.RankTooHigh, e.Kind);
    }
}
