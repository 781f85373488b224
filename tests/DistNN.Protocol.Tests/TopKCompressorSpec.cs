using System.Buffers;
using System.Runtime.InteropServices;
using CsCheck;
using DistNN.Protocol.Codecs;

namespace DistNN.Protocol.Tests;

public class TopKCompressorSpec
{
    private static uint Magnitude(float x) => BitConverter.SingleToUInt32Bits(x) & 0x7FFF_FFFF;

    private static int[] Indices(EncodedValues sent) => MemoryMarshal.Cast<byte, int>(sent.Indices.Span).ToArray();

    private static float[] Values(EncodedValues sent) => MemoryMarshal.Cast<byte, float>(sent.Codes.Span).ToArray();

    private static float[] Dense(EncodedValues sent)
    {
        var dense = new float[sent.Count];
        ValueCodec.DecodeValues(sent.Encoding, sent.Scale, new ReadOnlySequence<byte>(sent.Indices),
            new ReadOnlySequence<byte>(sent.Codes), dense);
        return dense;
    }

    private static bool SameNumber(float a, float b) => a == b || (float.IsNaN(a) && float.IsNaN(b));

    [Fact]
    public void Sends_exactly_k_elements_and_no_unsent_one_is_larger()
    {
        Gen.Select(TestData.Chunk(TestData.AnyFloat), Gen.Double[0.001, 1.0]).Sample((values, fraction) =>
        {
            var compressor = new TopKCompressor(fraction);
            EncodedValues sent = compressor.Compress(0, values);
            int n = values.Length;
            int k = n == 0 ? 0 : Math.Clamp((int)Math.Ceiling(fraction * n), 1, n);
            Assert.Equal((TensorEncoding.TopK, n), (sent.Encoding, sent.Count));
            Assert.Equal(k, Indices(sent).Length);
            var chosen = new HashSet<int>(Indices(sent));
            Assert.Equal(k, chosen.Count);
            uint smallestSent = chosen.Count == 0 ? uint.MaxValue : chosen.Min(i => Magnitude(values[i]));
            for (int i = 0; i < n; i++)
            {
                if (!chosen.Contains(i))
                {
                    // NaN's bits rank above Inf, so NaNs are sent first; ties go to the lower index.
                    Assert.True(Magnitude(values[i]) <= smallestSent);
                }
            }
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Residual_plus_sent_equals_gradient_plus_old_residual_exactly()
    {
        Gen.Select(TestData.Chunk(TestData.FiniteFloat), Gen.Double[0.01, 0.5]).Sample((values, fraction) =>
        {
            var compressor = new TopKCompressor(fraction);
            float[] first = values.Select(v => v * 0.5f).ToArray();
            compressor.Compress(7, first);
            float[] oldResidual = compressor.ResidualOf(7).ToArray();
            float[] input = values.Zip(oldResidual, (g, r) => g + r).ToArray();

            EncodedValues sent = compressor.Compress(7, values);

            float[] dense = Dense(sent);
            ReadOnlySpan<float> residual = compressor.ResidualOf(7);
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
        EncodedValues sent = compressor.Compress(0, [1f, -2f, 2f, -2f, 2f, 0f]);
        Assert.Equal([1, 2, 3], Indices(sent));
        Assert.Equal([-2f, 2f, -2f], Values(sent));
    }

    [Fact]
    public void Unsent_mass_is_sent_in_a_later_push()
    {
        var compressor = new TopKCompressor(0.25);
        compressor.Compress(0, [4f, 3f, 0f, 0f]);
        EncodedValues second = compressor.Compress(0, [0f, 0f, 1f, 0f]);
        Assert.Equal([1], Indices(second));
        Assert.Equal([3f], Values(second));
    }

    [Fact]
    public void Each_chunk_keeps_its_own_residual()
    {
        var compressor = new TopKCompressor(0.5);
        compressor.Compress(0, [4f, 3f]);
        compressor.Compress(1, [1f, 2f]);
        Assert.Equal([0f, 3f], compressor.ResidualOf(0).ToArray());
        Assert.Equal([1f, 0f], compressor.ResidualOf(1).ToArray());
    }
}
