using DistNN.Protocol.Codecs;
using DistNN.Training.Engine;
using DistNN.Training.Parameters;

namespace DistNN.Training.Tests;

public class GradientCompressorSpec
{
    private static readonly ParameterChunk s_chunk = new(0, 0, "w", 0, 1000, true, false, 0);

    private static float[] Gradient(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, 1000).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void None_leaves_the_gradient_untouched()
    {
        Assert.Null(GradientCompressor.For(Compression.Parse("none")));
    }

    [Fact]
    public void Fp16_rounds_each_value_to_half_precision()
    {
        var g = Gradient(1);
        var original = g.ToArray();

        GradientCompressor.For(Compression.Parse("fp16"))!.Apply(s_chunk, g);

        for (int i = 0; i < g.Length; i++)
        {
            Assert.Equal((float)(Half)original[i], g[i]);
        }
    }

    [Fact]
    public void Top_k_sends_k_values_and_the_residual_goes_out_with_the_next_push()
    {
        var compressor = GradientCompressor.For(Compression.Parse("topk:0.01"))!;
        var first = Gradient(2);
        var original = first.ToArray();

        int bytes = compressor.Apply(s_chunk, first).Bytes;
        var zeros = new float[1000];
        compressor.Apply(s_chunk, zeros);

        Assert.Equal(10, first.Count(v => v != 0));
        Assert.True(bytes < 200, $"{bytes} bytes for 10 of 1000 values");
        // What the second push sends was left over from the first: sent parts never exceed what was owed.
        Assert.Equal(10, zeros.Count(v => v != 0));
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(first[i] == 0 || zeros[i] == 0, "a value sent twice");
            float sent = first[i] != 0 ? first[i] : zeros[i];
            if (sent != 0)
            {
                Assert.Equal(original[i], sent); // exact: the residual carried the value unchanged
            }
        }
    }

    [Fact]
    public void An_unknown_compression_is_refused_with_its_name()
    {
        var error = Assert.ThrowsAny<Exception>(() => GradientCompressor.For(Compression.Parse("zip")));

        Assert.Contains("zip", error.Message);
    }
}
