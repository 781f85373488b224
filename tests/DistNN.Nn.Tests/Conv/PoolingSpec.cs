using DistNN.Nn.Layers.Conv;

namespace DistNN.Nn.Tests.Conv;

public class PoolingSpec
{
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void MaxPool2D_routes_the_gradient_to_the_first_maximum_of_each_window(int height)
    {
        // With 5 rows the last row lies outside every window (the windows no longer tile the image).
        var layer = new MaxPool2D(2, 2) { Name = "pool" };
        layer.Build([height, 4, 1]);
        float[] image =
        [
            1, 3, 2, 2,
            3, 0, 2, 1,
            5, 5, 0, -1,
            5, 4, -1, -1,
            9, 9, 9, 9,
        ];
        var x = new Tensor(image[..(height * 4)], 1, height, 4, 1);
        var dx0 = new float[height * 4];
        dx0[1] = 1;
        dx0[2] = 2;
        dx0[8] = 3;
        dx0[10] = 4;

        var y = layer.Forward(x, training: true);
        var dx = layer.Backward(new Tensor([1, 2, 3, 4], 1, 2, 2, 1))!;

        Assert.Equal([3f, 2f, 5f, 0f], y.Span.ToArray());
        Assert.Equal(dx0, dx.Span.ToArray());
    }

    [Theory]
    [InlineData(16)]
    [InlineData(19)]
    public void MaxPool2D_breaks_ties_by_scan_order_in_every_channel(int channels)
    {
        var layer = new MaxPool2D(2, 2) { Name = "pool" };
        layer.Build([4, 4, channels]);
        var x = new Tensor(1, 4, 4, channels);
        x.Fill(0.5f);
        var dy = new Tensor(1, 2, 2, channels);
        dy.Fill(1f);

        layer.Forward(x, training: true);
        var dx = layer.Backward(dy)!;

        for (int cell = 0; cell < 16; cell++)
        {
            bool windowStart = cell / 4 % 2 == 0 && cell % 4 % 2 == 0;
            for (int c = 0; c < channels; c++)
            {
                Assert.Equal(windowStart ? 1f : 0f, dx[cell * channels + c]);
            }
        }
    }

    [Theory]
    [InlineData(2, 5, 7, 3, 2, 2, null, null, "valid")]
    [InlineData(2, 5, 7, 19, 3, 3, 2, 2, "same")]
    [InlineData(1, 6, 5, 2, 3, 2, 1, 1, "[1,1,0,1]")]
    [InlineData(2, 4, 6, 19, 2, 2, null, null, "valid")]
    [InlineData(2, 4, 6, 32, 2, 2, null, null, "valid")]
    [InlineData(2, 5, 6, 16, 2, 2, null, null, "valid")]
    public void MaxPool2D_gradients_match_finite_differences(int batch, int h, int w, int c, int kh, int kw, int? sh, int? sw, string padding)
    {
        var layer = new MaxPool2D(kh, kw, sh, sw, Padding2D.Parse(padding)) { Name = "pool" };
        layer.Build([h, w, c]);
        var x = GradientCheck.Random(new Random(4), batch, h, w, c);
        var g = layer.Geometry;

        GradientCheck.Layer(layer, x, (xi, _) => NaivePool(xi, batch, g, max: true));
    }

    [Fact]
    public void AvgPool2D_with_same_padding_averages_only_cells_inside_the_image()
    {
        var layer = new AvgPool2D(2, 2, padding: Padding2D.Same) { Name = "pool" };
        layer.Build([3, 3, 1]);

        var y = layer.Forward(new Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 3, 3, 1), training: false);

        Assert.Equal([3f, 4.5f, 7.5f, 9f], y.Span.ToArray());
    }

    [Theory]
    [InlineData(2, 5, 7, 3, 2, 2, null, null, "valid")]
    [InlineData(2, 5, 7, 19, 3, 3, 2, 2, "same")]
    [InlineData(1, 6, 5, 2, 3, 2, 1, 1, "[1,2,0,1]")]
    public void AvgPool2D_gradients_match_finite_differences(int batch, int h, int w, int c, int kh, int kw, int? sh, int? sw, string padding)
    {
        var layer = new AvgPool2D(kh, kw, sh, sw, Padding2D.Parse(padding)) { Name = "pool" };
        layer.Build([h, w, c]);
        var x = GradientCheck.Random(new Random(4), batch, h, w, c);
        var g = layer.Geometry;

        GradientCheck.Layer(layer, x, (xi, _) => NaivePool(xi, batch, g, max: false));
    }

    /// <summary>Max or mean over each window's in-image cells, per channel.</summary>
    internal static double[] NaivePool(double[] x, int batch, ConvGeometry g, bool max)
    {
        var y = new double[batch * g.OutHeight * g.OutWidth * g.Channels];
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    for (int c = 0; c < g.Channels; c++)
                    {
                        double acc = max ? double.NegativeInfinity : 0;
                        int cells = 0;
                        for (int i = 0; i < g.KernelHeight; i++)
                        {
                            for (int j = 0; j < g.KernelWidth; j++)
                            {
                                int iy = oy * g.StrideH - g.PadTop + i, ix = ox * g.StrideW - g.PadLeft + j;
                                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth)
                                {
                                    continue;
                                }
                                double v = x[((n * g.InHeight + iy) * g.InWidth + ix) * g.Channels + c];
                                acc = max ? Math.Max(acc, v) : acc + v;
                                cells++;
                            }
                        }
                        y[((n * g.OutHeight + oy) * g.OutWidth + ox) * g.Channels + c] = max ? acc : acc / cells;
                    }
                }
            }
        }
        return y;
    }
}
