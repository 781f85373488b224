using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;
using DistNN.Tensors;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// Max pooling with 2×2 windows that tile the image (stride 2, no padding, even height and width) on channels in
/// whole registers of the instruction set's width. Each register of outputs keeps which of its four cells won as two
/// bit masks (bit 0 and bit 1 of the cell: 0 = top left, 1 = top right, 2 = bottom left, 3 = bottom right), two bits
/// per output instead of an int index. Ties go to the first cell in scan order, as in <see cref="MaxPool2D"/>'s general path.
/// </summary>
internal static unsafe class MaxPool2x2
{
    /// <summary>The window masks' length for <paramref name="outputs"/> outputs, whatever the width (two per register, at least one lane each).</summary>
    public static int WindowLength(int outputs) => 2 * outputs;

    public static bool Applies(ConvGeometry g, Isa isa) =>
        g.KernelHeight == 2 && g.KernelWidth == 2 && g.StrideH == 2 && g.StrideW == 2
        && g.PadTop + g.PadBottom + g.PadLeft + g.PadRight == 0 && g.InHeight % 2 == 0 && g.InWidth % 2 == 0
        && g.Channels % SimdLanes.Of(isa) == 0;

    /// <summary>y = max of each window; window = the winning cells' bit masks, as <see cref="Backward"/> with the same <paramref name="isa"/> reads them.</summary>
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<ushort> window, Isa isa)
    {
        switch (isa)
        {
            case Isa.Avx512:
                Forward<Simd512>(g, x, y, window);
                break;
            case Isa.Avx2:
                Forward<Simd256>(g, x, y, window);
                break;
            case Isa.Vector128:
                Forward<Simd128>(g, x, y, window);
                break;
            default:
                Forward<SimdScalar>(g, x, y, window);
                break;
        }
    }

    /// <summary>dx[cell] = dy of its window where the cell won, else 0: every input cell written once, no clearing pass.</summary>
    public static void Backward(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<ushort> window, Span<float> dx, Isa isa)
    {
        switch (isa)
        {
            case Isa.Avx512:
                Backward<Simd512>(g, dy, window, dx);
                break;
            case Isa.Avx2:
                Backward<Simd256>(g, dy, window, dx);
                break;
            case Isa.Vector128:
                Backward<Simd128>(g, dy, window, dx);
                break;
            default:
                Backward<SimdScalar>(g, dy, window, dx);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TV>(ConvGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<ushort> window)
        where TV : unmanaged, ISimd<TV>
    {
        int c = g.Channels, rowStride = g.InWidth * c, lanes = TV.Count;
        int outRows = y.Length / (g.OutWidth * c);
        fixed (float* x0 = x)
        fixed (float* y0 = y)
        fixed (ushort* w0 = window)
        {
            float* yo = y0;
            ushort* wo = w0;
            for (int r = 0; r < outRows; r++)
            {
                // Output row r of the whole batch reads input rows 2r and 2r + 1 (images stack along the rows).
                float* top = x0 + (long)2 * r * rowStride;
                for (int ox = 0; ox < g.OutWidth; ox++, top += 2 * c)
                {
                    for (int ch = 0; ch < c; ch += lanes, yo += lanes, wo += 2)
                    {
                        // A later cell wins only when strictly greater; bit0/bit1 track the winner's index bits.
                        var best = TV.Load(top + ch);
                        var cell = TV.Load(top + c + ch);
                        var greater = TV.GreaterThan(cell, best);
                        best = TV.Select(greater, cell, best);
                        var bit0 = greater;
                        cell = TV.Load(top + rowStride + ch);
                        greater = TV.GreaterThan(cell, best);
                        best = TV.Select(greater, cell, best);
                        bit0 = TV.AndNot(bit0, greater);
                        var bit1 = greater;
                        cell = TV.Load(top + rowStride + c + ch);
                        greater = TV.GreaterThan(cell, best);
                        best = TV.Select(greater, cell, best);
                        bit0 |= greater;
                        bit1 |= greater;
                        TV.Store(best, yo);
                        wo[0] = (ushort)TV.MaskBits(bit0);
                        wo[1] = (ushort)TV.MaskBits(bit1);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<TV>(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<ushort> window, Span<float> dx)
        where TV : unmanaged, ISimd<TV>
    {
        int c = g.Channels, rowStride = g.InWidth * c, lanes = TV.Count;
        int outRows = dy.Length / (g.OutWidth * c);
        fixed (float* dy0 = dy)
        fixed (ushort* w0 = window)
        fixed (float* dx0 = dx)
        {
            float* gy = dy0;
            ushort* wo = w0;
            for (int r = 0; r < outRows; r++)
            {
                float* top = dx0 + (long)2 * r * rowStride;
                for (int ox = 0; ox < g.OutWidth; ox++, top += 2 * c)
                {
                    for (int ch = 0; ch < c; ch += lanes, gy += lanes, wo += 2)
                    {
                        var d = TV.Load(gy);
                        var odd = TV.MaskFromBits(wo[0]);
                        var low = TV.AndNot(d, TV.MaskFromBits(wo[1]));
                        var high = d & TV.MaskFromBits(wo[1]);
                        TV.Store(TV.AndNot(low, odd), top + ch);
                        TV.Store(low & odd, top + c + ch);
                        TV.Store(TV.AndNot(high, odd), top + rowStride + ch);
                        TV.Store(high & odd, top + rowStride + c + ch);
                    }
                }
            }
        }
    }
}
