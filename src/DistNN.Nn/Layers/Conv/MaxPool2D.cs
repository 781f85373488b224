using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;
using DistNN.Tensors;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// Max pooling: y[n,y,x,c] = max over the window of x[n, ·, ·, c] (padding never wins).
/// Backward routes each output's gradient to the input cell that held the maximum. Ties: the first maximum in
/// scan order (window row by row, left to right) gets the whole gradient. Overlapping windows add up.
/// Channels go in registers of <see cref="CpuKernels.Current"/>'s width; backward uses the forward pass's width.
/// </summary>
public sealed class MaxPool2D : Pool2D
{
    private Tensor? _output;
    private int[] _argmax = [];
    private ushort[] _window = [];
    private Isa _isa;
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
        _isa = CpuKernels.Current;
        var g = Geometry;
        int batch = input.Rows;
        var output = Tensor.Ensure(ref _output, batch, g.OutHeight, g.OutWidth, g.Channels);
        if (MaxPool2x2.Applies(g, _isa))
        {
            if (_window.Length < MaxPool2x2.WindowLength(output.Length))
            {
                _window = new ushort[MaxPool2x2.WindowLength(output.Length)];
            }
            MaxPool2x2.Forward(g, input.Span, output.Span, _window, _isa);
            return output;
        }
        if (_argmax.Length < output.Length)
        {
            _argmax = new int[output.Length];
        }
        switch (_isa)
        {
            case Isa.Avx512:
                Pool<Simd512>(g, input.Span, output.Span, _argmax);
                break;
            case Isa.Avx2:
                Pool<Simd256>(g, input.Span, output.Span, _argmax);
                break;
            case Isa.Vector128:
                Pool<Simd128>(g, input.Span, output.Span, _argmax);
                break;
            default:
                Pool<SimdScalar>(g, input.Span, output.Span, _argmax);
                break;
        }
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
        if (MaxPool2x2.Applies(g, _isa))
        {
            MaxPool2x2.Backward(g, outputGradient.Span, _window, dx.Span, _isa);
            return dx;
        }
        if (TilesExactly(g))
        {
            switch (_isa)
            {
                case Isa.Avx512:
                    RouteTiled<Simd512>(g, outputGradient.Span, _argmax, dx.Span);
                    break;
                case Isa.Avx2:
                    RouteTiled<Simd256>(g, outputGradient.Span, _argmax, dx.Span);
                    break;
                case Isa.Vector128:
                    RouteTiled<Simd128>(g, outputGradient.Span, _argmax, dx.Span);
                    break;
                default:
                    RouteTiled<SimdScalar>(g, outputGradient.Span, _argmax, dx.Span);
                    break;
            }
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
    private static unsafe void RouteTiled<TV>(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
        where TV : unmanaged, ISimd<TV>
    {
        int w = g.InWidth, c = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth, oh = g.OutHeight, ow = g.OutWidth;
        int batch = dx.Length / g.InImageLength;
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
                                int ch = 0;
                                for (; ch <= c - TV.Count; ch += TV.Count)
                                {
                                    RouteLanes<TV>(gy + ch, a + ch, cell + ch, dx0 + cell + ch);
                                }
                                for (; ch < c; ch++)
                                {
                                    RouteLanes<SimdScalar>(gy + ch, a + ch, cell + ch, dx0 + cell + ch);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>dx = dy in the lanes whose argmax is this cell (index, index + 1, …), else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RouteLanes<TV>(float* dy, int* argmax, int index, float* dx)
        where TV : unmanaged, ISimd<TV> =>
        TV.Store(TV.Load(dy) & TV.BitsEqual(TV.Load((float*)argmax), TV.IntSequence(index)), dx);

    /// <summary>output = max over each window; argmax = index into <paramref name="x"/> of the first maximum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Pool<TV>(ConvGeometry g, ReadOnlySpan<float> x, Span<float> output, Span<int> argmax)
        where TV : unmanaged, ISimd<TV>
    {
        int h = g.InHeight, w = g.InWidth, c = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        int oh = g.OutHeight, ow = g.OutWidth, sh = g.StrideH, sw = g.StrideW, top = g.PadTop, left = g.PadLeft;
        int batch = x.Length / g.InImageLength;
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
                                int ch = 0;
                                for (; ch <= c - TV.Count; ch += TV.Count)
                                {
                                    PoolLanes<TV>(x0 + cell + ch, y + ch, a + ch, cell + ch);
                                }
                                for (; ch < c; ch++)
                                {
                                    PoolLanes<SimdScalar>(x0 + cell + ch, y + ch, a + ch, cell + ch);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Where the cell beats the running maximum: the maximum becomes the cell and argmax its index (index, index + 1, …).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PoolLanes<TV>(float* cell, float* best, int* argmax, int index)
        where TV : unmanaged, ISimd<TV>
    {
        var v = TV.Load(cell);
        var current = TV.Load(best);
        var greater = TV.GreaterThan(v, current);
        TV.Store(TV.Select(greater, v, current), best);
        TV.Store(TV.Select(greater, TV.IntSequence(index), TV.Load((float*)argmax)), (float*)argmax);
    }
}
