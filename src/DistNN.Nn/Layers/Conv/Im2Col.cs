using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DistNN.Nn.Layers.Conv;

/// <summary>
/// im2col for NHWC: one row per output pixel, holding the kh×kw×C patch under the window in
/// (kernel row, kernel column, channel) order, so a convolution is col · W with W of (kh·kw·C) × filters.
/// In NHWC the kw·C floats of one kernel row are contiguous in the image, so each kernel row is one copy
/// (clipped at the left/right borders); out-of-image cells are zeros.
/// col2im is the adjoint: it adds every row's patch back onto the image.
/// </summary>
public static unsafe class Im2Col
{
    /// <summary>
    /// col[(n·OH + oh)·OW + ow, (i·kw + j)·C + c] = x[n, oh·sh − top + i, ow·sw − left + j, c] (0 outside),
    /// for the images in <paramref name="images"/> (a whole number of [H, W, C] images).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Expand(ConvGeometry g, ReadOnlySpan<float> images, Span<float> col)
    {
        int count = images.Length / g.InImageLength;
        int patch = g.PatchLength;
        if (col.Length < count * g.OutPixels * patch)
        {
            throw new ArgumentException($"col has {col.Length} floats, needs {count * g.OutPixels * patch}");
        }
        int h = g.InHeight, w = g.InWidth, c = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        int oh = g.OutHeight, ow = g.OutWidth, sh = g.StrideH, sw = g.StrideW, top = g.PadTop, left = g.PadLeft;
        int segment = kw * c;
        fixed (float* x0 = images)
        fixed (float* col0 = col)
        {
            float* dst = col0;
            for (int n = 0; n < count; n++)
            {
                float* image = x0 + (long)n * g.InImageLength;
                for (int y = 0; y < oh; y++)
                {
                    int iy0 = y * sh - top;
                    for (int x = 0; x < ow; x++, dst += patch)
                    {
                        int ix0 = x * sw - left;
                        int jStart = Math.Max(0, -ix0);
                        int jEnd = Math.Min(kw, w - ix0);
                        for (int i = 0; i < kh; i++)
                        {
                            float* row = dst + i * segment;
                            int iy = iy0 + i;
                            if ((uint)iy >= (uint)h || jStart >= jEnd)
                            {
                                Clear(row, segment);
                                continue;
                            }
                            float* src = image + ((long)iy * w + ix0) * c;
                            if (jStart == 0 && jEnd == kw)
                            {
                                Copy(src, row, segment);
                            }
                            else
                            {
                                Clear(row, jStart * c);
                                Copy(src + jStart * c, row + jStart * c, (jEnd - jStart) * c);
                                Clear(row + jEnd * c, (kw - jEnd) * c);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>col2im: images += the adjoint of <see cref="Expand"/> (each row's patch added back where it came from).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(ConvGeometry g, ReadOnlySpan<float> col, Span<float> images)
    {
        int count = images.Length / g.InImageLength;
        int patch = g.PatchLength;
        if (col.Length < count * g.OutPixels * patch)
        {
            throw new ArgumentException($"col has {col.Length} floats, needs {count * g.OutPixels * patch}");
        }
        int h = g.InHeight, w = g.InWidth, c = g.Channels, kh = g.KernelHeight, kw = g.KernelWidth;
        int oh = g.OutHeight, ow = g.OutWidth, sh = g.StrideH, sw = g.StrideW, top = g.PadTop, left = g.PadLeft;
        int segment = kw * c;
        fixed (float* x0 = images)
        fixed (float* col0 = col)
        {
            float* src = col0;
            for (int n = 0; n < count; n++)
            {
                float* image = x0 + (long)n * g.InImageLength;
                for (int y = 0; y < oh; y++)
                {
                    int iy0 = y * sh - top;
                    for (int x = 0; x < ow; x++, src += patch)
                    {
                        int ix0 = x * sw - left;
                        int jStart = Math.Max(0, -ix0);
                        int jEnd = Math.Min(kw, w - ix0);
                        if (jStart >= jEnd)
                        {
                            continue;
                        }
                        for (int i = 0; i < kh; i++)
                        {
                            int iy = iy0 + i;
                            if ((uint)iy >= (uint)h)
                            {
                                continue;
                            }
                            float* dst = image + ((long)iy * w + ix0 + jStart) * c;
                            Add(src + i * segment + jStart * c, dst, (jEnd - jStart) * c);
                        }
                    }
                }
            }
        }
    }

    // Copy and Clear move a kernel row (kw·C floats, e.g. 96) in vector registers inline: a call into the runtime's
    // memmove or clear per row cost more than the move, most of all where that is precompiled code (docs/performance.md).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int length)
    {
        int t = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; t <= length - Vector256<float>.Count; t += Vector256<float>.Count)
            {
                Vector256.Store(Vector256.Load(src + t), dst + t);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; t <= length - Vector128<float>.Count; t += Vector128<float>.Count)
            {
                Vector128.Store(Vector128.Load(src + t), dst + t);
            }
        }
        for (; t < length; t++)
        {
            dst[t] = src[t];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Clear(float* dst, int length)
    {
        int t = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; t <= length - Vector256<float>.Count; t += Vector256<float>.Count)
            {
                Vector256.Store(Vector256<float>.Zero, dst + t);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; t <= length - Vector128<float>.Count; t += Vector128<float>.Count)
            {
                Vector128.Store(Vector128<float>.Zero, dst + t);
            }
        }
        for (; t < length; t++)
        {
            dst[t] = 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* src, float* dst, int length)
    {
        if (length <= 8)
        {
            for (int t = 0; t < length; t++)
            {
                dst[t] += src[t];
            }
            return;
        }
        var d = new Span<float>(dst, length);
        TensorPrimitives.Add(d, new ReadOnlySpan<float>(src, length), d);
    }
}
