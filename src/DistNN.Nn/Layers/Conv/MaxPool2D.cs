using System.Numerics;
using System.Runtime.CompilerServices;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// Max pooling: y[n,y,x,c] = max over the window of x[n, ·, ·, c] (padding never wins).
/// Backward routes each output's gradient to the input cell that held the maximum. Ties: the first maximum in
/// scan order (window row by row, left to right) gets the whole gradient. Overlapping windows add up.
/// </summary>
public sealed class MaxPool2D : Pool2D
{
    private Tensor? _output;
    private int[] _argmax = [];
    private byte[] _window = [];
    private Tensor? _dx;
    private Tensor? _input;

    public MaxPool2D(int kernelHeight, int kernelWidth, int? strideH = null, int? strideW = null, Padding2D padding = default)
        : base(kernelHeight, kernelWidth, strideH, strideW, padding)
    {
    }

    protected override string Kind => "maxpool2d";

    public override Tensor Forward(Tensor input, bool training)
    {
        CheckInput(input);
        _input = input;
        var g = Geometry;
        int batch = input.Rows;
        var output = Tensor.Ensure(ref _output, batch, g.OutHeight, g.OutWidth, g.Channels);
        if (MaxPool2x2.Applies(g))
        {
            if (_window.Length < output.Length)
            {
                _window = new byte[output.Length];
            }
            MaxPool2x2.Forward(g, input.Span, output.Span, _window);
            return output;
        }
        if (_argmax.Length < output.Length)
        {
            _argmax = new int[output.Length];
        }
        Pool(g, input.Span, output.Span, _argmax);
        return output;
    }

    public override Tensor? Backward(Tensor outputGradient)
    {
        var input = _input ?? throw new InvalidOperationException($"layer '{Name}': backward before forward");
        if (!NeedsInputGradient)
        {
            return null;
        }
        var dx = Tensor.Ensure(ref _dx, input.Shape);
        var g = Geometry;
        if (MaxPool2x2.Applies(g))
        {
            MaxPool2x2.Backward(g, outputGradient.Span, _window, dx.Span);
            return dx;
        }
        if (TilesExactly(g))
        {
            RouteTiled(g, outputGradient.Span, _argmax, dx.Span);
            return dx;
        }
        dx.Clear();
        var d = dx.Span;
        var dy = outputGradient.Span;
        var arg = _argmax.AsSpan(0, dy.Length);
        for (int o = 0; o < dy.Length; o++)
        {
            d[arg[o]] += dy[o];
        }
        return dx;
    }

    // Windows that tile the image (stride = window, no padding, no leftover rows or columns) cover every input cell once.
    private static bool TilesExactly(ConvGeometry g) =>
        g.StrideH == g.KernelHeight && g.StrideW == g.KernelWidth && g.PadTop + g.PadBottom + g.PadLeft + g.PadRight == 0
        && g.OutHeight * g.KernelHeight == g.InHeight && g.OutWidth * g.KernelWidth == g.InWidth;

    /// <summary>For tiling windows: dx[cell] = dy where the cell was its window's argmax, else 0 — one write per cell, no clearing pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RouteTiled(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        int w = g.InWidth, c = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth, oh = g.OutHeight, ow = g.OutWidth;
        int batch = dx.Length / g.InImageLength;
        int lanes = Vector<float>.Count;
        int vectorEnd = Vector.IsHardwareAccelerated ? c - c % lanes : 0;
        var laneOffsets = Vector<int>.Indices;
        fixed (float* dy0 = dy)
        fixed (int* a0 = argmax)
        fixed (float* dx0 = dx)
        {
            float* gy = dy0;
            int* a = a0;
            for (int n = 0; n < batch; n++)
            {
                int imageBase = n * g.InImageLength;
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++, gy += c, a += c)
                    {
                        for (int iy = oy * kh; iy < oy * kh + kh; iy++)
                        {
                            for (int ix = ox * kw; ix < ox * kw + kw; ix++)
                            {
                                int cell = imageBase + (iy * w + ix) * c;
                                float* d = dx0 + cell;
                                int ch = 0;
                                if (vectorEnd > 0)
                                {
                                    var index = new Vector<int>(cell) + laneOffsets;
                                    for (; ch < vectorEnd; ch += lanes)
                                    {
                                        var hit = Vector.Equals(Vector.Load(a + ch), index + new Vector<int>(ch));
                                        Vector.Store(Vector.ConditionalSelect(Vector.AsVectorSingle(hit), Vector.Load(gy + ch), Vector<float>.Zero), d + ch);
                                    }
                                }
                                for (; ch < c; ch++)
                                {
                                    d[ch] = a[ch] == cell + ch ? gy[ch] : 0f;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>output = max over each window; argmax = index into <paramref name="x"/> of the first maximum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Pool(ConvGeometry g, ReadOnlySpan<float> x, Span<float> output, Span<int> argmax)
    {
        int h = g.InHeight, w = g.InWidth, c = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        int oh = g.OutHeight, ow = g.OutWidth, sh = g.StrideH, sw = g.StrideW, top = g.PadTop, left = g.PadLeft;
        int batch = x.Length / g.InImageLength;
        int lanes = Vector<float>.Count;
        int vectorEnd = Vector.IsHardwareAccelerated ? c - c % lanes : 0;
        var laneOffsets = Vector<int>.Indices;
        fixed (float* x0 = x)
        fixed (float* y0 = output)
        fixed (int* a0 = argmax)
        {
            float* y = y0;
            int* a = a0;
            for (int n = 0; n < batch; n++)
            {
                int imageBase = n * g.InImageLength;
                for (int oy = 0; oy < oh; oy++)
                {
                    int iyStart = Math.Max(0, oy * sh - top), iyEnd = Math.Min(h, oy * sh - top + kh);
                    for (int ox = 0; ox < ow; ox++, y += c, a += c)
                    {
                        int ixStart = Math.Max(0, ox * sw - left), ixEnd = Math.Min(w, ox * sw - left + kw);
                        int firstCell = imageBase + (iyStart * w + ixStart) * c;
                        // The first in-image cell seeds the maximum; later cells win only when strictly greater.
                        new ReadOnlySpan<float>(x0 + firstCell, c).CopyTo(new Span<float>(y, c));
                        for (int ch = 0; ch < c; ch++)
                        {
                            a[ch] = firstCell + ch;
                        }
                        for (int iy = iyStart; iy < iyEnd; iy++)
                        {
                            for (int ix = iy == iyStart ? ixStart + 1 : ixStart; ix < ixEnd; ix++)
                            {
                                int cell = imageBase + (iy * w + ix) * c;
                                float* src = x0 + cell;
                                int ch = 0;
                                if (vectorEnd > 0)
                                {
                                    var baseIndex = new Vector<int>(cell) + laneOffsets;
                                    for (; ch < vectorEnd; ch += lanes)
                                    {
                                        var v = Vector.Load(src + ch);
                                        var best = Vector.Load(y + ch);
                                        var greater = Vector.GreaterThan(v, best);
                                        Vector.Store(Vector.ConditionalSelect(greater, v, best), y + ch);
                                        var index = Vector.Load(a + ch);
                                        Vector.Store(Vector.ConditionalSelect(greater, baseIndex + new Vector<int>(ch), index), a + ch);
                                    }
                                }
                                for (; ch < c; ch++)
                                {
                                    if (src[ch] > y[ch])
                                    {
                                        y[ch] = src[ch];
                                        a[ch] = cell + ch;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
