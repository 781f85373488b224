using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// Max pooling with 2×2 windows that tile the image (stride 2, no padding, even height and width) on channels in
/// blocks of 16 (AVX-512): each output keeps which of its four cells won as one byte (0 = top left, 1 = top right,
/// 2 = bottom left, 3 = bottom right), a quarter of an int index's memory traffic. Ties go to the first cell in
/// scan order, as in <see cref="MaxPool2D"/>'s general path.
/// </summary>
internal static unsafe class MaxPool2x2
{
    public static bool Applies(ConvGeometry g) =>
        Avx512F.IsSupported && g.KernelHeight == 2 && g.KernelWidth == 2 && g.StrideH == 2 && g.StrideW == 2
        && g.PadTop + g.PadBottom + g.PadLeft + g.PadRight == 0 && g.InHeight % 2 == 0 && g.InWidth % 2 == 0 && g.Channels % 16 == 0;

    /// <summary>y = max of each window; window[o] = the winning cell (0..3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<byte> window)
    {
        int c = g.Channels, rowStride = g.InWidth * c;
        int outRows = y.Length / (g.OutWidth * c);
        fixed (float* x0 = x)
        fixed (float* y0 = y)
        fixed (byte* w0 = window)
        {
            float* yo = y0;
            byte* wo = w0;
            for (int r = 0; r < outRows; r++)
            {
                // Output row r of the whole batch reads input rows 2r and 2r + 1 (images stack along the rows).
                float* top = x0 + (long)2 * r * rowStride;
                for (int ox = 0; ox < g.OutWidth; ox++, top += 2 * c)
                {
                    for (int ch = 0; ch < c; ch += 16, yo += 16, wo += 16)
                    {
                        var best = Vector512.Load(top + ch);
                        var index = Vector512<int>.Zero;
                        Step(ref best, ref index, Vector512.Load(top + c + ch), 1);
                        Step(ref best, ref index, Vector512.Load(top + rowStride + ch), 2);
                        Step(ref best, ref index, Vector512.Load(top + rowStride + c + ch), 3);
                        best.Store(yo);
                        Avx512F.ConvertToVector128Byte(index).Store(wo);
                    }
                }
            }
        }
    }

    /// <summary>dx[cell] = dy of its window where the cell won, else 0: every input cell written once, no clearing pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<byte> window, Span<float> dx)
    {
        int c = g.Channels, rowStride = g.InWidth * c;
        int outRows = dy.Length / (g.OutWidth * c);
        var one = Vector512.Create(1);
        var two = Vector512.Create(2);
        var three = Vector512.Create(3);
        fixed (float* dy0 = dy)
        fixed (byte* w0 = window)
        fixed (float* dx0 = dx)
        {
            float* gy = dy0;
            byte* wo = w0;
            for (int r = 0; r < outRows; r++)
            {
                float* top = dx0 + (long)2 * r * rowStride;
                for (int ox = 0; ox < g.OutWidth; ox++, top += 2 * c)
                {
                    for (int ch = 0; ch < c; ch += 16, gy += 16, wo += 16)
                    {
                        var d = Vector512.Load(gy);
                        var index = Avx512F.ConvertToVector512Int32(Vector128.Load(wo));
                        Vector512.ConditionalSelect(Vector512.Equals(index, Vector512<int>.Zero).AsSingle(), d, Vector512<float>.Zero).Store(top + ch);
                        Vector512.ConditionalSelect(Vector512.Equals(index, one).AsSingle(), d, Vector512<float>.Zero).Store(top + c + ch);
                        Vector512.ConditionalSelect(Vector512.Equals(index, two).AsSingle(), d, Vector512<float>.Zero).Store(top + rowStride + ch);
                        Vector512.ConditionalSelect(Vector512.Equals(index, three).AsSingle(), d, Vector512<float>.Zero).Store(top + rowStride + c + ch);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref Vector512<float> best, ref Vector512<int> index, Vector512<float> cell, int position)
    {
        var greater = Vector512.GreaterThan(cell, best);
        best = Vector512.ConditionalSelect(greater, cell, best);
        index = Vector512.ConditionalSelect(greater.AsInt32(), Vector512.Create(position), index);
    }
}
