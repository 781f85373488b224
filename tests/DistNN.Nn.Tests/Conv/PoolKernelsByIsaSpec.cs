using DistNN.Nn.Layers.Conv;
using DistNN.Tensors;

namespace DistNN.Nn.Tests.Conv;

/// <summary>
/// Max pooling under each instruction set's kernels: the 2×2 tiling path (channels a multiple of the width) and the
/// general path, against a double-precision reference that gives each window's gradient to its first maximum in scan order.
/// </summary>
public class PoolKernelsByIsaSpec
{
    public static IEnumerable<object[]> Cases => IsaCases.Cross(
    [
        // batch, height, width, channels, kh, kw, sh, sw, padding
        [2, 4, 6, 64, 2, 2, null!, null!, "valid"],
        [2, 6, 4, 32, 2, 2, null!, null!, "valid"],
        [1, 4, 4, 16, 2, 2, null!, null!, "valid"],
        [2, 4, 6, 8, 2, 2, null!, null!, "valid"],
        [2, 4, 4, 19, 2, 2, null!, null!, "valid"],
        [1, 5, 6, 16, 2, 2, null!, null!, "valid"],
        [2, 6, 6, 12, 3, 3, null!, null!, "valid"],
        [2, 5, 7, 19, 3, 3, 2, 2, "same"],
        [1, 6, 5, 9, 3, 2, 1, 1, "[1,1,0,1]"],
    ]);

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void MaxPool2D_gives_each_window_its_first_maximum_under_each_instruction_set_even_with_ties(
        Isa isa, int batch, int h, int w, int c, int kh, int kw, int? sh, int? sw, string padding)
    {
        using var scope = IsaCases.Enter(isa);
        var layer = new MaxPool2D(kh, kw, sh, sw, Padding2D.Parse(padding)) { Name = "pool" };
        layer.Build([h, w, c]);
        var g = layer.Geometry;
        // Values from {0, 1, 2}: most windows hold a tie for the maximum, in every arrangement of cells.
        var rng = new Random(5);
        var x = new Tensor(batch, h, w, c);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = rng.Next(3);
        }
        var dy = GradientCheck.Random(rng, batch, g.OutHeight, g.OutWidth, c);

        var y = layer.Forward(x, training: true);
        var dx = layer.Backward(dy)!;

        var (expectedY, expectedDx) = FirstMaximum(GradientCheck.ToDouble(x.Span), GradientCheck.ToDouble(dy.Span), batch, g);
        Assert.Equal(expectedY, GradientCheck.ToDouble(y.Span));
        // Overlapping windows add their gradients in float: equal up to rounding; a misrouted gradient is off by ~1.
        GradientCheck.AssertClose(expectedDx, GradientCheck.ToDouble(dx.Span), 1e-6, "pool input gradient");
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void MaxPool2D_gradients_match_finite_differences_under_each_instruction_set(
        Isa isa, int batch, int h, int w, int c, int kh, int kw, int? sh, int? sw, string padding)
    {
        using var scope = IsaCases.Enter(isa);
        var layer = new MaxPool2D(kh, kw, sh, sw, Padding2D.Parse(padding)) { Name = "pool" };
        layer.Build([h, w, c]);
        var g = layer.Geometry;
        var x = GradientCheck.Random(new Random(4), batch, h, w, c);

        GradientCheck.Layer(layer, x, (xi, _) => PoolingSpec.NaivePool(xi, batch, g, max: true));
    }

    /// <summary>y = each window's maximum over its in-image cells; dx = Σ over windows of dy at the window's first maximum in scan order.</summary>
    private static (double[] Y, double[] Dx) FirstMaximum(double[] x, double[] dy, int batch, ConvGeometry g)
    {
        var y = new double[dy.Length];
        var dx = new double[x.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    for (int c = 0; c < g.Channels; c++)
                    {
                        int best = -1;
                        for (int i = 0; i < g.KernelHeight; i++)
                        {
                            for (int j = 0; j < g.KernelWidth; j++)
                            {
                                int iy = oy * g.StrideH - g.PadTop + i, ix = ox * g.StrideW - g.PadLeft + j;
                                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth)
                                {
                                    continue;
                                }
                                int cell = ((n * g.InHeight + iy) * g.InWidth + ix) * g.Channels + c;
                                if (best < 0 || x[cell] > x[best])
                                {
                                    best = cell;
                                }
                            }
                        }
                        int o = ((n * g.OutHeight + oy) * g.OutWidth + ox) * g.Channels + c;
                        y[o] = x[best];
                        dx[best] += dy[o];
                    }
                }
            }
        }
        return (y, dx);
    }
}
