using System.Runtime.CompilerServices;
using DistNN.Nn.Simd;
using DistNN.Tensors;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// A convolution whose patch is short (kh·kw·C ≤ <see cref="MaxPatch"/>, e.g. a first layer on 1-channel images with
/// a 3×3 kernel: k = 9), computed directly from a zero-padded copy of the input instead of im2col + GEMM: a blocked
/// GEMM spends most of its time packing at such a small inner dimension, and im2col would write k floats per pixel.
/// In the padded NHWC images (PH = H + top + bottom, PW = W + left + right) the patch of output (n, y, x) starts at
/// base = ((n·PH + y·sh)·PW + x·sw)·C and its element p = (i·kw + j)·C + c lies at base + offsets[p],
/// offsets[p] = i·PW·C + j·C + c. Filters go in SIMD lanes, one width-generic source per <see cref="CpuKernels.Current"/>,
/// with a scalar tail.
/// </summary>
internal static unsafe class SmallPatchKernels
{
    public const int MaxPatch = 32;

    /// <summary>Rows summed in float before the bias gradient's running sum in double (as <c>PerChannel</c> does).</summary>
    public const int BiasBlockRows = 256;

    /// <summary>Pixels whose dz rows (a few KB) stay in L1 while each register of filters sweeps them in <see cref="Backward9{TV}"/>.</summary>
    private const int ChunkRows = 64;

    /// <summary>offsets[p] for the patch element p = (i·kw + j)·C + c, relative to the patch's start in the padded image.</summary>
    public static int[] Offsets(ConvGeometry g)
    {
        int pw = g.InWidth + g.PadLeft + g.PadRight, c = g.Channels;
        var offsets = new int[g.PatchLength];
        for (int i = 0; i < g.KernelHeight; i++)
        {
            for (int j = 0; j < g.KernelWidth; j++)
            {
                for (int ch = 0; ch < c; ch++)
                {
                    offsets[(i * g.KernelWidth + j) * c + ch] = i * pw * c + j * c + ch;
                }
            }
        }
        return offsets;
    }

    /// <summary>Floats in one padded image.</summary>
    public static int PaddedImageLength(ConvGeometry g) =>
        (g.InHeight + g.PadTop + g.PadBottom) * (g.InWidth + g.PadLeft + g.PadRight) * g.Channels;

    /// <summary>Copies the images into the interior of the padded buffer; the border is cleared only when <paramref name="clearBorder"/>.</summary>
    public static void Pad(ConvGeometry g, ReadOnlySpan<float> images, Span<float> padded, bool clearBorder)
    {
        int count = images.Length / g.InImageLength;
        int c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int rowLength = g.InWidth * c;
        if (clearBorder)
        {
            padded.Slice(0, count * ph * pw * c).Clear();
        }
        for (int n = 0; n < count; n++)
        {
            for (int y = 0; y < g.InHeight; y++)
            {
                images.Slice((n * g.InHeight + y) * rowLength, rowLength)
                    .CopyTo(padded.Slice(((n * ph + y + g.PadTop) * pw + g.PadLeft) * c, rowLength));
            }
        }
    }

    /// <summary>dx[n, y, x, c] = the interior of the padded gradient (the adjoint of <see cref="Pad"/>).</summary>
    public static void Crop(ConvGeometry g, ReadOnlySpan<float> padded, Span<float> images)
    {
        int count = images.Length / g.InImageLength;
        int c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int rowLength = g.InWidth * c;
        for (int n = 0; n < count; n++)
        {
            for (int y = 0; y < g.InHeight; y++)
            {
                padded.Slice(((n * ph + y + g.PadTop) * pw + g.PadLeft) * c, rowLength)
                    .CopyTo(images.Slice((n * g.InHeight + y) * rowLength, rowLength));
            }
        }
    }

    /// <summary>
    /// out = act(z), z[n, y, x, :] = b + Σ_p padded[base + offsets[p]] · W[p, :], with act = ReLU or the identity:
    /// bias and activation in the same pass, and with ReLU no z kept (its backward mask a &gt; 0 is z &gt; 0).
    /// </summary>
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> output, int f, bool relu)
    {
        switch (CpuKernels.Current)
        {
            case Isa.Avx512:
                Forward<Simd512>(g, padded, offsets, w, bias, output, f, relu);
                break;
            case Isa.Avx2:
                Forward<Simd256>(g, padded, offsets, w, bias, output, f, relu);
                break;
            case Isa.Vector128:
                Forward<Simd128>(g, padded, offsets, w, bias, output, f, relu);
                break;
            default:
                Forward<SimdScalar>(g, padded, offsets, w, bias, output, f, relu);
                break;
        }
    }

    /// <summary>
    /// One pass over the output pixels: dz = da ⊙ [a &gt; 0] (ReLU) or da; dW = Σ patchᵀ · dz; db = Σ dz (float over
    /// blocks of <see cref="BiasBlockRows"/> pixels, then double); when <paramref name="paddedDx"/> is not empty,
    /// paddedDx[base + offsets[p]] += Σ_j dz[j] · W[p, j] (the caller clears it and crops it onto dx).
    /// </summary>
    public static void Backward(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w,
        ReadOnlySpan<float> da, ReadOnlySpan<float> a, Span<float> dw, Span<float> db, Span<float> paddedDx, int f, bool relu)
    {
        switch (CpuKernels.Current)
        {
            case Isa.Avx512:
                Backward<Simd512>(g, padded, offsets, w, da, a, dw, db, paddedDx, f, relu);
                break;
            case Isa.Avx2:
                Backward<Simd256>(g, padded, offsets, w, da, a, dw, db, paddedDx, f, relu);
                break;
            case Isa.Vector128:
                Backward<Simd128>(g, padded, offsets, w, da, a, dw, db, paddedDx, f, relu);
                break;
            default:
                Backward<SimdScalar>(g, padded, offsets, w, da, a, dw, db, paddedDx, f, relu);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TV>(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> output, int f, bool relu)
        where TV : unmanaged, ISimd<TV>
    {
        int k = offsets.Length, c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int count = output.Length / (g.OutPixels * f);
        int lanes = TV.Count;
        if (k == 9 && f % lanes == 0)
        {
            // 2 vectors per group: 18 weights + 2 bias + 2 sums + 1 broadcast = 23 registers; 1 vector: 12.
            if (TV.Registers >= 32 && f % (2 * lanes) == 0)
            {
                Forward9Pair<TV>(g, padded, offsets, w, bias, output, f, relu);
            }
            else
            {
                Forward9<TV>(g, padded, offsets, w, bias, output, f, relu);
            }
            return;
        }
        int blockEnd = f - f % lanes;
        var floor = TV.Broadcast(relu ? 0f : float.NegativeInfinity);
        fixed (float* x0 = padded)
        fixed (int* o0 = offsets)
        fixed (float* w0 = w)
        fixed (float* b0 = bias)
        fixed (float* a0 = output)
        {
            float* out_ = a0;
            for (int n = 0; n < count; n++)
            {
                for (int y = 0; y < g.OutHeight; y++)
                {
                    float* rowStart = x0 + (long)(n * ph + y * g.StrideH) * pw * c;
                    for (int x = 0; x < g.OutWidth; x++, out_ += f)
                    {
                        float* patch = rowStart + x * g.StrideW * c;
                        int j = 0;
                        for (; j + 2 * lanes <= blockEnd; j += 2 * lanes)
                        {
                            var acc0 = TV.Load(b0 + j);
                            var acc1 = TV.Load(b0 + j + lanes);
                            for (int p = 0; p < k; p++)
                            {
                                var v = TV.Broadcast(patch[o0[p]]);
                                acc0 = TV.MultiplyAdd(v, TV.Load(w0 + p * f + j), acc0);
                                acc1 = TV.MultiplyAdd(v, TV.Load(w0 + p * f + j + lanes), acc1);
                            }
                            TV.Store(TV.Max(acc0, floor), out_ + j);
                            TV.Store(TV.Max(acc1, floor), out_ + j + lanes);
                        }
                        for (; j < blockEnd; j += lanes)
                        {
                            ForwardLanes<TV>(patch, o0, k, w0 + j, b0 + j, f, floor, out_ + j);
                        }
                        var scalarFloor = SimdScalar.Broadcast(relu ? 0f : float.NegativeInfinity);
                        for (; j < f; j++)
                        {
                            ForwardLanes<SimdScalar>(patch, o0, k, w0 + j, b0 + j, f, scalarFloor, out_ + j);
                        }
                    }
                }
            }
        }
    }

    /// <summary>One register of filters of one pixel: out = max(b + Σ_p patch[offsets[p]] · W[p, ·], floor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardLanes<TV>(float* patch, int* offsets, int k, float* w, float* b, int f, TV floor, float* out_)
        where TV : unmanaged, ISimd<TV>
    {
        var acc = TV.Load(b);
        for (int p = 0; p < k; p++)
        {
            acc = TV.MultiplyAdd(TV.Broadcast(patch[offsets[p]]), TV.Load(w + p * f), acc);
        }
        TV.Store(TV.Max(acc, floor), out_);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<TV>(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w,
        ReadOnlySpan<float> da, ReadOnlySpan<float> a, Span<float> dw, Span<float> db, Span<float> paddedDx, int f, bool relu)
        where TV : unmanaged, ISimd<TV>
    {
        int k = offsets.Length, c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int rows = da.Length / f, perImage = g.OutPixels;
        int blockEnd = f - f % TV.Count;
        bool inputGradient = !paddedDx.IsEmpty;
        if (k == 9 && !inputGradient && f % TV.Count == 0)
        {
            Backward9<TV>(g, padded, offsets, da, a, dw, db, f, relu);
            return;
        }
        dw.Slice(0, k * f).Clear();
        Span<double> total = f <= 256 ? stackalloc double[f] : new double[f];
        Span<float> block = f <= 256 ? stackalloc float[f] : new float[f];
        Span<float> dzRow = f <= 256 ? stackalloc float[f] : new float[f];
        total.Clear();
        fixed (float* x0 = padded)
        fixed (int* o0 = offsets)
        fixed (float* wv0 = w)
        fixed (float* da0 = da)
        fixed (float* a0 = a)
        fixed (float* w0 = dw)
        fixed (float* s0 = block)
        fixed (float* d = dzRow)
        fixed (float* dx0 = paddedDx)
        {
            for (int r0 = 0; r0 < rows; r0 += BiasBlockRows)
            {
                block.Clear();
                int r1 = Math.Min(rows, r0 + BiasBlockRows);
                for (int r = r0; r < r1; r++)
                {
                    int n = r / perImage, pixel = r - n * perImage, y = pixel / g.OutWidth, x = pixel - y * g.OutWidth;
                    long patchBase = ((long)(n * ph + y * g.StrideH) * pw + x * g.StrideW) * c;
                    float* patch = x0 + patchBase;
                    float* gr = da0 + (long)r * f;
                    float* act = a0 + (long)r * f;
                    int j = 0;
                    for (; j < blockEnd; j += TV.Count)
                    {
                        BackwardLanes<TV>(patch, o0, k, gr + j, act + j, relu, d + j, s0 + j, w0 + j, f);
                    }
                    for (; j < f; j++)
                    {
                        BackwardLanes<SimdScalar>(patch, o0, k, gr + j, act + j, relu, d + j, s0 + j, w0 + j, f);
                    }
                    if (inputGradient)
                    {
                        float* dxPatch = dx0 + patchBase;
                        for (int p = 0; p < k; p++)
                        {
                            dxPatch[o0[p]] += Dot<TV>(d, wv0 + p * f, f);
                        }
                    }
                }
                for (int j = 0; j < f; j++)
                {
                    total[j] += s0[j];
                }
            }
        }
        for (int j = 0; j < f; j++)
        {
            db[j] = (float)total[j];
        }
    }

    /// <summary>
    /// <see cref="Backward"/> for k = 9 without an input gradient (a first layer): for each chunk of
    /// <see cref="ChunkRows"/> pixels and each register of filters, the 9 weight-gradient sums and the bias sum stay
    /// in registers (12 in all), so each pixel costs 9 broadcasts and 9 FMAs instead of 9 loads and stores of dW.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward9<TV>(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets,
        ReadOnlySpan<float> da, ReadOnlySpan<float> a, Span<float> dw, Span<float> db, int f, bool relu)
        where TV : unmanaged, ISimd<TV>
    {
        int c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int rows = da.Length / f, lanes = TV.Count;
        int q0 = offsets[0], q1 = offsets[1], q2 = offsets[2], q3 = offsets[3], q4 = offsets[4], q5 = offsets[5], q6 = offsets[6], q7 = offsets[7], q8 = offsets[8];
        dw.Slice(0, 9 * f).Clear();
        Span<double> total = f <= 256 ? stackalloc double[f] : new double[f];
        Span<float> block = f <= 256 ? stackalloc float[f] : new float[f];
        Span<long> patchBase = stackalloc long[ChunkRows];
        total.Clear();
        int n = 0, y = 0, x = 0;
        fixed (float* x0 = padded)
        fixed (float* da0 = da)
        fixed (float* a0 = a)
        fixed (float* dw0 = dw)
        fixed (float* s0 = block)
        fixed (long* bases = patchBase)
        {
            for (int r0 = 0; r0 < rows; r0 += BiasBlockRows)
            {
                block.Clear();
                int r1 = Math.Min(rows, r0 + BiasBlockRows);
                for (int c0 = r0; c0 < r1; c0 += ChunkRows)
                {
                    int c1 = Math.Min(r1, c0 + ChunkRows);
                    for (int r = c0; r < c1; r++)
                    {
                        bases[r - c0] = ((long)(n * ph + y * g.StrideH) * pw + x * g.StrideW) * c;
                        if (++x == g.OutWidth)
                        {
                            x = 0;
                            if (++y == g.OutHeight)
                            {
                                y = 0;
                                n++;
                            }
                        }
                    }
                    for (int j = 0; j < f; j += lanes)
                    {
                        float* w0 = dw0 + j;
                        TV d0 = TV.Load(w0), d1 = TV.Load(w0 + f), d2 = TV.Load(w0 + 2 * f), d3 = TV.Load(w0 + 3 * f), d4 = TV.Load(w0 + 4 * f);
                        TV d5 = TV.Load(w0 + 5 * f), d6 = TV.Load(w0 + 6 * f), d7 = TV.Load(w0 + 7 * f), d8 = TV.Load(w0 + 8 * f);
                        var sum = TV.Load(s0 + j);
                        for (int r = c0; r < c1; r++)
                        {
                            var gj = TV.Load(da0 + (long)r * f + j);
                            if (relu)
                            {
                                gj = TV.Select(TV.GreaterThan(TV.Load(a0 + (long)r * f + j), TV.Zero), gj, TV.Zero);
                            }
                            sum += gj;
                            float* patch = x0 + bases[r - c0];
                            d0 = TV.MultiplyAdd(TV.Broadcast(patch[q0]), gj, d0);
                            d1 = TV.MultiplyAdd(TV.Broadcast(patch[q1]), gj, d1);
                            d2 = TV.MultiplyAdd(TV.Broadcast(patch[q2]), gj, d2);
                            d3 = TV.MultiplyAdd(TV.Broadcast(patch[q3]), gj, d3);
                            d4 = TV.MultiplyAdd(TV.Broadcast(patch[q4]), gj, d4);
                            d5 = TV.MultiplyAdd(TV.Broadcast(patch[q5]), gj, d5);
                            d6 = TV.MultiplyAdd(TV.Broadcast(patch[q6]), gj, d6);
                            d7 = TV.MultiplyAdd(TV.Broadcast(patch[q7]), gj, d7);
                            d8 = TV.MultiplyAdd(TV.Broadcast(patch[q8]), gj, d8);
                        }
                        TV.Store(d0, w0);
                        TV.Store(d1, w0 + f);
                        TV.Store(d2, w0 + 2 * f);
                        TV.Store(d3, w0 + 3 * f);
                        TV.Store(d4, w0 + 4 * f);
                        TV.Store(d5, w0 + 5 * f);
                        TV.Store(d6, w0 + 6 * f);
                        TV.Store(d7, w0 + 7 * f);
                        TV.Store(d8, w0 + 8 * f);
                        TV.Store(sum, s0 + j);
                    }
                }
                for (int j = 0; j < f; j++)
                {
                    total[j] += s0[j];
                }
            }
        }
        for (int j = 0; j < f; j++)
        {
            db[j] = (float)total[j];
        }
    }

    /// <summary>One register of filters of one pixel: dz = masked da (kept in <paramref name="dz"/>), bias sum += dz, dW[p, ·] += patch[p] · dz.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardLanes<TV>(float* patch, int* offsets, int k, float* da, float* a, bool relu, float* dz, float* biasSum, float* dw, int f)
        where TV : unmanaged, ISimd<TV>
    {
        var gj = TV.Load(da);
        if (relu)
        {
            gj = TV.Select(TV.GreaterThan(TV.Load(a), TV.Zero), gj, TV.Zero);
        }
        TV.Store(gj, dz);
        TV.Store(TV.Load(biasSum) + gj, biasSum);
        for (int p = 0; p < k; p++)
        {
            float* target = dw + p * f;
            TV.Store(TV.MultiplyAdd(TV.Broadcast(patch[offsets[p]]), gj, TV.Load(target)), target);
        }
    }

    /// <summary>Σ_j a[j] · b[j] over <paramref name="length"/> floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot<TV>(float* a, float* b, int length)
        where TV : unmanaged, ISimd<TV>
    {
        var acc = TV.Zero;
        int j = 0;
        for (; j <= length - TV.Count; j += TV.Count)
        {
            acc = TV.MultiplyAdd(TV.Load(a + j), TV.Load(b + j), acc);
        }
        float sum = TV.Sum(acc);
        for (; j < length; j++)
        {
            sum += a[j] * b[j];
        }
        return sum;
    }

    /// <summary>
    /// <see cref="Forward"/> for k = 9 (a 3×3 kernel on one channel), one register of filters at a time: its 9 weight
    /// vectors and bias stay in registers over a row of output pixels, so each pixel costs 9 broadcasts and 9 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward9<TV>(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> output, int f, bool relu)
        where TV : unmanaged, ISimd<TV>
    {
        int c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int count = output.Length / (g.OutPixels * f), step = g.StrideW * c, ow = g.OutWidth;
        int q0 = offsets[0], q1 = offsets[1], q2 = offsets[2], q3 = offsets[3], q4 = offsets[4], q5 = offsets[5], q6 = offsets[6], q7 = offsets[7], q8 = offsets[8];
        var floor = TV.Broadcast(relu ? 0f : float.NegativeInfinity);
        fixed (float* x0 = padded)
        fixed (float* wt = w)
        fixed (float* b0 = bias)
        fixed (float* a0 = output)
        {
            for (int n = 0; n < count; n++)
            {
                for (int y = 0; y < g.OutHeight; y++)
                {
                    float* rowStart = x0 + (long)(n * ph + y * g.StrideH) * pw * c;
                    float* rowOut = a0 + (long)((n * g.OutHeight + y) * ow) * f;
                    for (int j = 0; j < f; j += TV.Count)
                    {
                        float* w0 = wt + j;
                        TV w0v = TV.Load(w0), w1v = TV.Load(w0 + f), w2v = TV.Load(w0 + 2 * f), w3v = TV.Load(w0 + 3 * f), w4v = TV.Load(w0 + 4 * f);
                        TV w5v = TV.Load(w0 + 5 * f), w6v = TV.Load(w0 + 6 * f), w7v = TV.Load(w0 + 7 * f), w8v = TV.Load(w0 + 8 * f), b = TV.Load(b0 + j);
                        float* patch = rowStart;
                        float* out_ = rowOut + j;
                        for (int x = 0; x < ow; x++, out_ += f, patch += step)
                        {
                            var acc = TV.MultiplyAdd(TV.Broadcast(patch[q0]), w0v, b);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q1]), w1v, acc);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q2]), w2v, acc);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q3]), w3v, acc);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q4]), w4v, acc);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q5]), w5v, acc);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q6]), w6v, acc);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q7]), w7v, acc);
                            acc = TV.MultiplyAdd(TV.Broadcast(patch[q8]), w8v, acc);
                            TV.Store(TV.Max(acc, floor), out_);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Forward9{TV}"/> two registers of filters at a time, for 32-register files (AVX-512, ARM64): the 18
    /// weight vectors and the bias stay in registers, so each pixel costs 9 broadcasts and 18 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward9Pair<TV>(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> output, int f, bool relu)
        where TV : unmanaged, ISimd<TV>
    {
        int c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int count = output.Length / (g.OutPixels * f), step = g.StrideW * c, ow = g.OutWidth, lanes = TV.Count;
        int q0 = offsets[0], q1 = offsets[1], q2 = offsets[2], q3 = offsets[3], q4 = offsets[4], q5 = offsets[5], q6 = offsets[6], q7 = offsets[7], q8 = offsets[8];
        var floor = TV.Broadcast(relu ? 0f : float.NegativeInfinity);
        fixed (float* x0 = padded)
        fixed (float* wt = w)
        fixed (float* b0 = bias)
        fixed (float* a0 = output)
        {
            for (int j = 0; j < f; j += 2 * lanes)
            {
                float* w0 = wt + j;
                TV w00 = TV.Load(w0), w01 = TV.Load(w0 + lanes), w10 = TV.Load(w0 + f), w11 = TV.Load(w0 + f + lanes);
                TV w20 = TV.Load(w0 + 2 * f), w21 = TV.Load(w0 + 2 * f + lanes), w30 = TV.Load(w0 + 3 * f), w31 = TV.Load(w0 + 3 * f + lanes);
                TV w40 = TV.Load(w0 + 4 * f), w41 = TV.Load(w0 + 4 * f + lanes), w50 = TV.Load(w0 + 5 * f), w51 = TV.Load(w0 + 5 * f + lanes);
                TV w60 = TV.Load(w0 + 6 * f), w61 = TV.Load(w0 + 6 * f + lanes), w70 = TV.Load(w0 + 7 * f), w71 = TV.Load(w0 + 7 * f + lanes);
                TV w80 = TV.Load(w0 + 8 * f), w81 = TV.Load(w0 + 8 * f + lanes), bias0 = TV.Load(b0 + j), bias1 = TV.Load(b0 + j + lanes);
                float* out_ = a0 + j;
                for (int n = 0; n < count; n++)
                {
                    for (int y = 0; y < g.OutHeight; y++)
                    {
                        float* patch = x0 + (long)(n * ph + y * g.StrideH) * pw * c;
                        for (int x = 0; x < ow; x++, out_ += f, patch += step)
                        {
                            var v = TV.Broadcast(patch[q0]);
                            var acc0 = TV.MultiplyAdd(v, w00, bias0);
                            var acc1 = TV.MultiplyAdd(v, w01, bias1);
                            v = TV.Broadcast(patch[q1]);
                            acc0 = TV.MultiplyAdd(v, w10, acc0);
                            acc1 = TV.MultiplyAdd(v, w11, acc1);
                            v = TV.Broadcast(patch[q2]);
                            acc0 = TV.MultiplyAdd(v, w20, acc0);
                            acc1 = TV.MultiplyAdd(v, w21, acc1);
                            v = TV.Broadcast(patch[q3]);
                            acc0 = TV.MultiplyAdd(v, w30, acc0);
                            acc1 = TV.MultiplyAdd(v, w31, acc1);
                            v = TV.Broadcast(patch[q4]);
                            acc0 = TV.MultiplyAdd(v, w40, acc0);
                            acc1 = TV.MultiplyAdd(v, w41, acc1);
                            v = TV.Broadcast(patch[q5]);
                            acc0 = TV.MultiplyAdd(v, w50, acc0);
                            acc1 = TV.MultiplyAdd(v, w51, acc1);
                            v = TV.Broadcast(patch[q6]);
                            acc0 = TV.MultiplyAdd(v, w60, acc0);
                            acc1 = TV.MultiplyAdd(v, w61, acc1);
                            v = TV.Broadcast(patch[q7]);
                            acc0 = TV.MultiplyAdd(v, w70, acc0);
                            acc1 = TV.MultiplyAdd(v, w71, acc1);
                            v = TV.Broadcast(patch[q8]);
                            acc0 = TV.MultiplyAdd(v, w80, acc0);
                            acc1 = TV.MultiplyAdd(v, w81, acc1);
                            TV.Store(TV.Max(acc0, floor), out_);
                            TV.Store(TV.Max(acc1, floor), out_ + lanes);
                        }
                    }
                }
            }
        }
    }
}
