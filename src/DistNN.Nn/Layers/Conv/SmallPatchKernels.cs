using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// A convolution whose patch is short (kh·kw·C ≤ <see cref="MaxPatch"/>, e.g. a first layer on 1-channel images with
/// a 3×3 kernel: k = 9), computed directly from a zero-padded copy of the input instead of im2col + GEMM: a blocked
/// GEMM spends most of its time packing at such a small inner dimension, and im2col would write k floats per pixel.
/// In the padded NHWC images (PH = H + top + bottom, PW = W + left + right) the patch of output (n, y, x) starts at
/// base = ((n·PH + y·sh)·PW + x·sw)·C and its element p = (i·kw + j)·C + c lies at base + offsets[p],
/// offsets[p] = i·PW·C + j·C + c. Filters go in SIMD lanes, 16 at a time (AVX-512), with a scalar tail.
/// </summary>
internal static unsafe class SmallPatchKernels
{
    public const int MaxPatch = 32;

    /// <summary>Rows summed in float before the bias gradient's running sum in double (as <c>PerChannel</c> does).</summary>
    public const int BiasBlockRows = 256;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> output, int f, bool relu)
    {
        int k = offsets.Length, c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int count = output.Length / (g.OutPixels * f);
        if (k == 9 && f == 32 && Vector512.IsHardwareAccelerated)
        {
            Forward9x32(g, padded, offsets, w, bias, output, relu);
            return;
        }
        int blockEnd = Vector512.IsHardwareAccelerated ? f - f % 16 : 0;
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
                        for (; j + 32 <= blockEnd; j += 32)
                        {
                            var acc0 = Vector512.Load(b0 + j);
                            var acc1 = Vector512.Load(b0 + j + 16);
                            for (int p = 0; p < k; p++)
                            {
                                var v = Vector512.Create(patch[o0[p]]);
                                acc0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w0 + p * f + j), acc0);
                                acc1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(w0 + p * f + j + 16), acc1);
                            }
                            if (relu)
                            {
                                acc0 = Vector512.Max(acc0, Vector512<float>.Zero);
                                acc1 = Vector512.Max(acc1, Vector512<float>.Zero);
                            }
                            acc0.Store(out_ + j);
                            acc1.Store(out_ + j + 16);
                        }
                        for (; j < blockEnd; j += 16)
                        {
                            var acc = Vector512.Load(b0 + j);
                            for (int p = 0; p < k; p++)
                            {
                                acc = Vector512.FusedMultiplyAdd(Vector512.Create(patch[o0[p]]), Vector512.Load(w0 + p * f + j), acc);
                            }
                            if (relu)
                            {
                                acc = Vector512.Max(acc, Vector512<float>.Zero);
                            }
                            acc.Store(out_ + j);
                        }
                        for (; j < f; j++)
                        {
                            float s = b0[j];
                            for (int p = 0; p < k; p++)
                            {
                                s += patch[o0[p]] * w0[p * f + j];
                            }
                            out_[j] = relu ? Math.Max(s, 0f) : s;
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One pass over the output pixels: dz = da ⊙ [a &gt; 0] (ReLU) or da; dW = Σ patchᵀ · dz; db = Σ dz (float over
    /// blocks of <see cref="BiasBlockRows"/> pixels, then double); when <paramref name="paddedDx"/> is not empty,
    /// paddedDx[base + offsets[p]] += Σ_j dz[j] · W[p, j] (the caller clears it and crops it onto dx).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w,
        ReadOnlySpan<float> da, ReadOnlySpan<float> a, Span<float> dw, Span<float> db, Span<float> paddedDx, int f, bool relu)
    {
        int k = offsets.Length, c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int rows = da.Length / f, perImage = g.OutPixels;
        int blockEnd = Vector512.IsHardwareAccelerated ? f - f % 16 : 0;
        bool inputGradient = !paddedDx.IsEmpty;
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
                    for (; j < blockEnd; j += 16)
                    {
                        var gj = Vector512.Load(gr + j);
                        if (relu)
                        {
                            gj = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(act + j), Vector512<float>.Zero), gj, Vector512<float>.Zero);
                        }
                        gj.Store(d + j);
                        (Vector512.Load(s0 + j) + gj).Store(s0 + j);
                        for (int p = 0; p < k; p++)
                        {
                            float* target = w0 + p * f + j;
                            Vector512.FusedMultiplyAdd(Vector512.Create(patch[o0[p]]), gj, Vector512.Load(target)).Store(target);
                        }
                    }
                    for (; j < f; j++)
                    {
                        float gj = relu && !(act[j] > 0f) ? 0f : gr[j];
                        d[j] = gj;
                        s0[j] += gj;
                        for (int p = 0; p < k; p++)
                        {
                            w0[p * f + j] += patch[o0[p]] * gj;
                        }
                    }
                    if (inputGradient)
                    {
                        float* dxPatch = dx0 + patchBase;
                        for (int p = 0; p < k; p++)
                        {
                            dxPatch[o0[p]] += System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(d, f), new ReadOnlySpan<float>(wv0 + p * f, f));
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
    /// <see cref="Forward"/> for k = 9 and 32 filters (a 3×3 kernel on one channel): the 18 weight vectors and the
    /// bias stay in registers, so each pixel costs 9 broadcasts and 18 FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward9x32(ConvGeometry g, ReadOnlySpan<float> padded, ReadOnlySpan<int> offsets, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> output, bool relu)
    {
        int c = g.Channels, pw = g.InWidth + g.PadLeft + g.PadRight, ph = g.InHeight + g.PadTop + g.PadBottom;
        int count = output.Length / (g.OutPixels * 32);
        int q0 = offsets[0], q1 = offsets[1], q2 = offsets[2], q3 = offsets[3], q4 = offsets[4], q5 = offsets[5], q6 = offsets[6], q7 = offsets[7], q8 = offsets[8];
        var floor = relu ? Vector512<float>.Zero : Vector512.Create(float.NegativeInfinity);
        fixed (float* x0 = padded)
        fixed (float* w0 = w)
        fixed (float* b0 = bias)
        fixed (float* a0 = output)
        {
            Vector512<float> w00 = Vector512.Load(w0), w01 = Vector512.Load(w0 + 16), w10 = Vector512.Load(w0 + 32), w11 = Vector512.Load(w0 + 48);
            Vector512<float> w20 = Vector512.Load(w0 + 64), w21 = Vector512.Load(w0 + 80), w30 = Vector512.Load(w0 + 96), w31 = Vector512.Load(w0 + 112);
            Vector512<float> w40 = Vector512.Load(w0 + 128), w41 = Vector512.Load(w0 + 144), w50 = Vector512.Load(w0 + 160), w51 = Vector512.Load(w0 + 176);
            Vector512<float> w60 = Vector512.Load(w0 + 192), w61 = Vector512.Load(w0 + 208), w70 = Vector512.Load(w0 + 224), w71 = Vector512.Load(w0 + 240);
            Vector512<float> w80 = Vector512.Load(w0 + 256), w81 = Vector512.Load(w0 + 272), bias0 = Vector512.Load(b0), bias1 = Vector512.Load(b0 + 16);
            float* out_ = a0;
            for (int n = 0; n < count; n++)
            {
                for (int y = 0; y < g.OutHeight; y++)
                {
                    float* patch = x0 + (long)(n * ph + y * g.StrideH) * pw * c;
                    for (int x = 0; x < g.OutWidth; x++, out_ += 32, patch += g.StrideW * c)
                    {
                        var v = Vector512.Create(patch[q0]);
                        var acc0 = Vector512.FusedMultiplyAdd(v, w00, bias0);
                        var acc1 = Vector512.FusedMultiplyAdd(v, w01, bias1);
                        v = Vector512.Create(patch[q1]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w10, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w11, acc1);
                        v = Vector512.Create(patch[q2]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w20, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w21, acc1);
                        v = Vector512.Create(patch[q3]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w30, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w31, acc1);
                        v = Vector512.Create(patch[q4]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w40, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w41, acc1);
                        v = Vector512.Create(patch[q5]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w50, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w51, acc1);
                        v = Vector512.Create(patch[q6]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w60, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w61, acc1);
                        v = Vector512.Create(patch[q7]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w70, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w71, acc1);
                        v = Vector512.Create(patch[q8]);
                        acc0 = Vector512.FusedMultiplyAdd(v, w80, acc0);
                        acc1 = Vector512.FusedMultiplyAdd(v, w81, acc1);
                        if (relu)
                        {
                            acc0 = Vector512.Max(acc0, floor);
                            acc1 = Vector512.Max(acc1, floor);
                        }
                        acc0.Store(out_);
                        acc1.Store(out_ + 16);
                    }
                }
            }
        }
    }
}
