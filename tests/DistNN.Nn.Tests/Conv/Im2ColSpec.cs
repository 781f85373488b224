using DistNN.Nn.Layers.Conv;

namespace DistNN.Nn.Tests.Conv;

public class Im2ColSpec
{
    // Kernel rows of kw·C floats: shorter than a vector, whole vectors, whole vectors and a tail; clipped at the borders.
    [Theory]
    [InlineData(5, 6, 1, 3, 3, 1, 1)]
    [InlineData(5, 6, 3, 3, 3, 1, 1)]
    [InlineData(4, 5, 8, 3, 3, 1, 1)]
    [InlineData(6, 6, 11, 3, 3, 2, 1)]
    [InlineData(7, 7, 32, 3, 3, 1, 1)]
    [InlineData(6, 5, 20, 2, 5, 1, 2)]
    [InlineData(5, 5, 4, 1, 1, 1, 0)]
    public void Expand_writes_each_output_pixels_patch_with_zeros_outside_the_image(int h, int w, int c, int kh, int kw, int stride, int pad)
    {
        var g = new ConvGeometry(h, w, c, kh, kw, stride, stride, pad, pad, pad, pad);
        const int images = 2;
        var x = new float[images * g.InImageLength];
        var random = new Random(17);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }
        var col = new float[images * g.OutPixels * g.PatchLength];
        Array.Fill(col, float.NaN); // every cell must be written, the zeros too

        Im2Col.Expand(g, x, col);

        for (int n = 0; n < images; n++)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int row = (n * g.OutHeight + oy) * g.OutWidth + ox;
                    for (int i = 0; i < kh; i++)
                    {
                        for (int j = 0; j < kw; j++)
                        {
                            int iy = oy * stride - pad + i, ix = ox * stride - pad + j;
                            bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                            for (int ch = 0; ch < c; ch++)
                            {
                                float expected = inside ? x[n * g.InImageLength + (iy * w + ix) * c + ch] : 0f;
                                float actual = col[row * g.PatchLength + (i * kw + j) * c + ch];
                                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                                    $"image {n}, pixel ({oy},{ox}), kernel cell ({i},{j}), channel {ch}: {actual}, expected {expected}");
                            }
                        }
                    }
                }
            }
        }
    }
}
