using System.Buffers;
using CsCheck;
using DistNN.Protocol.Codecs;

namespace DistNN.Protocol.Tests;

public class TopKCompressorSpec
{
    private static uint Magnitude(float x) => BitConverter.SingleToUInt32Bits(x) & 0x7FFF_FFFF;

    private static float[] Dense(TensorChunk chunk)
    {
        var dense = new float[chunk.ElementCount];
        chunk.CopyDenseTo(dense);
        return dense;
    }

    private static bool SameNumber(float a, float b) => a == b || (float.IsNaN(a) && float.IsNaN(b));

    [Fact]
    public void Sends_exactly_k_elements_and_no_unsent_one_is_larger()
    {
        Gen.Select(TestData.Chunk(TestData.AnyFloat), Gen.Double[0.001, 1.0]).Sample((c, fraction) =>
        {
            var compressor = new TopKCompressor(fraction);
            TensorChunk sent = compressor.Compress(c.Header, c.Values);
            int n = c.Values.Length;
            int k = n == 0 ? 0 : Math.Clamp((int)Math.Ceiling(fraction * n), 1, n);
            Assert.Equal(k, sent.Indices.Length);
            var chosen = new HashSet<int>(sent.Indices.ToArray());
            Assert.Equal(k, chosen.Count);
            uint smallestSent = chosen.Count == 0 ? uint.MaxValue : chosen.Min(i => Magnitude(c.Values[i]));
            for (int i = 0; i < n; i++)
            {
                if (!chosen.Contains(i))
                {
                    // NaN's bits rank above Inf, so NaNs are sent first; ties go to the lower index.
                    Assert.True(Magnitude(c.Values[i]) <= smallestSent);
                }
            }
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Residual_plus_sent_equals_gradient_plus_old_residual_exactly()
    {
        Gen.Select(TestData.Chunk(TestData.FiniteFloat), Gen.Double[0.01, 0.5]).Sample((c, fraction) =>
        {
            var compressor = new TopKCompressor(fraction);
            float[] first = c.Values.Select(v => v * 0.5f).ToArray();
            compressor.Compress(c.Header, first);
            float[] oldResidual = compressor.ResidualOf(c.Header.Offset).ToArray();
            float[] input = c.Values.Zip(oldResidual, (g, r) => g + r).ToArray();

            TensorChunk sent = compressor.Compress(c.Header, c.Values);

            float[] dense = Dense(sent);
            ReadOnlySpan<float> residual = compressor.ResidualOf(c.Header.Offset);
            for (int i = 0; i < input.Length; i++)
            {
                Assert.True(SameNumber(residual[i] + dense[i], input[i]), $"element {i}");
                Assert.True(residual[i] == 0 || dense[i] == 0, "an element is either sent or kept");
            }
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Ties_go_to_the_lower_index()
    {
        var compressor = new TopKCompressor(0.5);
        TensorChunk sent = compressor.Compress(new TensorChunkHeader(0, "w", 0, [6]), [1f, -2f, 2f, -2f, 2f, 0f]);
        Assert.Equal([1, 2, 3], sent.Indices.ToArray());
        Assert.Equal([-2f, 2f, -2f], sent.Values.ToArray());
    }

    [Fact]
    public void Unsent_mass_is_sent_in_a_later_push()
    {
        var compressor = new TopKCompressor(0.25);
        var header = new TensorChunkHeader(0, "w", 0, [4]);
        compressor.Compress(header, [4f, 3f, 0f, 0f]);
        TensorChunk second = compressor.Compress(header, [0f, 0f, 1f, 0f]);
        Assert.Equal([1], second.Indices.ToArray());
        Assert.Equal([3f], second.Values.ToArray());
    }

    [Fact]
    public void Sparse_chunk_round_trips_to_dense_with_zeros_elsewhere()
    {
        TestData.Chunk(TestData.AnyFloat).Sample(c =>
        {
            TensorChunk sent = new TopKCompressor(0.1).Compress(c.Header, c.Values);
            var buffer = new ArrayBufferWriter<byte>();
            TensorChunkCodec.Encode(buffer, sent);
            using TensorChunk decoded = TensorChunkCodec.Decode(new ReadOnlySequence<byte>(buffer.WrittenMemory));
            Assert.Equal(TensorEncoding.TopK, decoded.Encoding);
            Assert.True(TestData.BitwiseEqual(Dense(sent), decoded.Values.Span));
        }, iter: 200, threads: 1);
    }
}
