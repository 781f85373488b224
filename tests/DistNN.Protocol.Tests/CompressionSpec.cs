using DistNN.Protocol.Codecs;

namespace DistNN.Protocol.Tests;

public class CompressionSpec
{
    [Theory]
    [InlineData("none", TensorEncoding.None, 0)]
    [InlineData("FP16", TensorEncoding.Fp16, 0)]
    [InlineData(" int8 ", TensorEncoding.Int8, 0)]
    [InlineData("topk:0.01", TensorEncoding.TopK, 0.01)]
    [InlineData("topk:1", TensorEncoding.TopK, 1)]
    public void Parses_every_documented_form(string text, TensorEncoding encoding, double fraction)
    {
        Compression c = Compression.Parse(text);
        Assert.Equal((encoding, fraction), (c.Encoding, c.TopKFraction));
        Assert.Equal(c, Compression.Parse(c.ToString()));
    }

    [Theory]
    [InlineData("topk:0", "(0, 1]")]
    [InlineData("topk:1.5", "(0, 1]")]
    [InlineData("topk:abc", "(0, 1]")]
    [InlineData("topk", "expected none, fp16, int8 or topk:<fraction>")]
    [InlineData("gzip", "unknown compression 'gzip'")]
    public void Rejects_bad_text_saying_what_is_expected(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Compression.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Top_k_count_is_the_ceiling_of_the_fraction_and_at_least_one()
    {
        Compression c = Compression.Parse("topk:0.01");
        Assert.Equal((4217, 1, 0), (c.TopKCount(421_642), c.TopKCount(5), c.TopKCount(0)));
    }
}
