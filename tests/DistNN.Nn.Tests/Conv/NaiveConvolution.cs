using DistNN.Nn.Layers.Conv;

namespace DistNN.Nn.Tests.Conv;

/// <summary>The direct seven-loop convolution over NHWC, in double: the oracle Conv2D is checked against.</summary>
internal static class NaiveConvolution
{
    /// <param name="w">(kh·kw·C) × filters, rows in (kernel row, kernel column, channel) order.</param>
    public static double[] Forward(double[] x, double[] w, double[] b, int batch, ConvGeometry g, int filters, bool relu)
    {
        var y = new double[batch * g.OutHeight * g.OutWidth * filters];
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    for (int f = 0; f < filters; f++)
                    {
                        double z = b[f];
                        for (int i = 0; i < g.KernelHeight; i++)
                        {
                            int iy = oy * g.StrideH - g.PadTop + i;
                            for (int j = 0; j < g.KernelWidth; j++)
                            {
                                int ix = ox * g.StrideW - g.PadLeft + j;
                                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth)
                                {
                                    continue;
                                }
                                for (int c = 0; c < g.Channels; c++)
                                {
                                    z += x[((n * g.InHeight + iy) * g.InWidth + ix) * g.Channels + c]
                                        * w[((i * g.KernelWidth + j) * g.Channels + c) * filters + f];
                                }
                            }
                        }
                        y[((n * g.OutHeight + oy) * g.OutWidth + ox) * filters + f] = relu ? Math.Max(0, z) : z;
                    }
                }
            }
        }
        return y;
    }
}
