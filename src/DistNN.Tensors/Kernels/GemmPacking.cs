using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistNN.Tensors.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the k-major micro-panels the register kernels stream through.
/// Ã panels: MR floats per k step, alpha folded in. B̃ panels: NR floats per k step.
/// Rows or columns past the matrix edge are packed as zeros, so edge tiles can use the full kernel.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Ã block for rows [i0, i0 + rows) and depth [p0, p0 + kc); writes up to 8 floats past the last panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int i0, int rows, int p0, int kc, float alpha, float* dest)
    {
        for (int ir = 0; ir < rows; ir += GemmBlocking.MR)
        {
            int mr = Math.Min(GemmBlocking.MR, rows - ir);
            float* panel = dest + (nint)ir * kc;
            if (transA)
            {
                PackAColumns(a + (nint)p0 * lda + i0 + ir, lda, mr, kc, alpha, panel);
            }
            else if (mr == GemmBlocking.MR && Avx.IsSupported)
            {
                PackARowsAvx(a + (nint)(i0 + ir) * lda + p0, lda, kc, alpha, panel);
            }
            else
            {
                PackARowsScalar(a + (nint)(i0 + ir) * lda + p0, lda, mr, kc, alpha, panel);
            }
        }
    }

    /// <summary>op(A) = Aᵀ: the MR values of one k step are contiguous in A, a plain copy.</summary>
    private static void PackAColumns(float* src, nint lda, int mr, int kc, float alpha, float* panel)
    {
        if (mr == GemmBlocking.MR)
        {
            for (int p = 0; p < kc; p++, src += lda, panel += GemmBlocking.MR)
            {
                (Vector128.Load(src) * alpha).Store(panel);
                panel[4] = alpha * src[4];
                panel[5] = alpha * src[5];
            }
            return;
        }
        for (int p = 0; p < kc; p++, src += lda, panel += GemmBlocking.MR)
        {
            int r = 0;
            for (; r < mr; r++)
            {
                panel[r] = alpha * src[r];
            }
            for (; r < GemmBlocking.MR; r++)
            {
                panel[r] = 0f;
            }
        }
    }

    private static void PackARowsScalar(float* src, nint lda, int mr, int kc, float alpha, float* panel)
    {
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < GemmBlocking.MR; r++)
            {
                panel[p * GemmBlocking.MR + r] = r < mr ? alpha * src[r * lda + p] : 0f;
            }
        }
    }

    /// <summary>
    /// Six rows, eight k steps at a time, through an 8×8 transpose; each 8-float store spills two floats
    /// into the next k step's slot, which the next store (or the scalar tail, or the next panel) overwrites.
    /// </summary>
    private static void PackARowsAvx(float* src, nint lda, int kc, float alpha, float* panel)
    {
        float* r0 = src, r1 = src + lda, r2 = src + 2 * lda, r3 = src + 3 * lda, r4 = src + 4 * lda, r5 = src + 5 * lda;
        Vector256<float> va = Vector256.Create(alpha);
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Vector256<float> x0 = Vector256.Load(r0 + p) * va;
            Vector256<float> x1 = Vector256.Load(r1 + p) * va;
            Vector256<float> x2 = Vector256.Load(r2 + p) * va;
            Vector256<float> x3 = Vector256.Load(r3 + p) * va;
            Vector256<float> x4 = Vector256.Load(r4 + p) * va;
            Vector256<float> x5 = Vector256.Load(r5 + p) * va;
            Transpose8x8(x0, x1, x2, x3, x4, x5, x5, x5,
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            float* d = panel + p * GemmBlocking.MR;
            o0.Store(d);
            o1.Store(d + 6);
            o2.Store(d + 12);
            o3.Store(d + 18);
            o4.Store(d + 24);
            o5.Store(d + 30);
            o6.Store(d + 36);
            o7.Store(d + 42);
        }
        for (; p < kc; p++)
        {
            float* d = panel + p * GemmBlocking.MR;
            d[0] = alpha * r0[p];
            d[1] = alpha * r1[p];
            d[2] = alpha * r2[p];
            d[3] = alpha * r3[p];
            d[4] = alpha * r4[p];
            d[5] = alpha * r5[p];
        }
    }

    /// <summary>B̃ block for depth [p0, p0 + kc) and columns [j0, j0 + cols), as ⌈cols/NR⌉ panels of kc×NR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int p0, int kc, int j0, int cols, float* dest)
    {
        if (transB)
        {
            for (int jr = 0; jr < cols; jr += GemmBlocking.NR)
            {
                PackBTransposedPanel(b + (nint)(j0 + jr) * ldb + p0, ldb, Math.Min(GemmBlocking.NR, cols - jr), kc, dest + (nint)jr * kc);
            }
        }
        else
        {
            PackBRows(b + (nint)p0 * ldb + j0, ldb, kc, cols, dest);
        }
    }

    /// <summary>op(B) = B: walk B row by row (sequential reads) and deal each row out to the panels.</summary>
    private static void PackBRows(float* src, nint ldb, int kc, int cols, float* dest)
    {
        int fullPanels = cols / GemmBlocking.NR;
        int rest = cols - fullPanels * GemmBlocking.NR;
        nint panelStride = (nint)kc * GemmBlocking.NR;
        for (int p = 0; p < kc; p++, src += ldb)
        {
            float* d = dest + p * GemmBlocking.NR;
            float* s = src;
            for (int jp = 0; jp < fullPanels; jp++, s += GemmBlocking.NR, d += panelStride)
            {
                Copy64(s, d);
            }
            if (rest > 0)
            {
                // Zeros up to the width the tile will read: half-width tiles never read past NR/2.
                int width = rest <= GemmBlocking.NR / 2 ? GemmBlocking.NR / 2 : GemmBlocking.NR;
                // Inline rather than Span copies: with a 10-wide C this runs once per row of B and the calls dominated.
                for (int z = 0; z < width; z += 8)
                {
                    Vector256<float>.Zero.Store(d + z);
                }
                int j = 0;
                for (; j + 8 <= rest; j += 8)
                {
                    Vector256.Load(s + j).Store(d + j);
                }
                for (; j < rest; j++)
                {
                    d[j] = s[j];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy64(float* s, float* d)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512.Load(s).Store(d);
            Vector512.Load(s + 16).Store(d + 16);
            Vector512.Load(s + 32).Store(d + 32);
            Vector512.Load(s + 48).Store(d + 48);
        }
        else
        {
            for (int j = 0; j < GemmBlocking.NR; j += 8)
            {
                Vector256.Load(s + j).Store(d + j);
            }
        }
    }

    /// <summary>op(B) = Bᵀ: eight rows of B at a time, transposed 8×8 into eight k steps of the panel.</summary>
    private static void PackBTransposedPanel(float* src, nint ldb, int nr, int kc, float* panel)
    {
        int c = 0;
        if (Avx.IsSupported)
        {
            for (; c + 8 <= nr; c += 8)
            {
                float* s = src + c * ldb;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                {
                    Transpose8x8(
                        Vector256.Load(s + p), Vector256.Load(s + ldb + p),
                        Vector256.Load(s + 2 * ldb + p), Vector256.Load(s + 3 * ldb + p),
                        Vector256.Load(s + 4 * ldb + p), Vector256.Load(s + 5 * ldb + p),
                        Vector256.Load(s + 6 * ldb + p), Vector256.Load(s + 7 * ldb + p),
                        out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
                    float* d = panel + p * GemmBlocking.NR + c;
                    o0.Store(d);
                    o1.Store(d + GemmBlocking.NR);
                    o2.Store(d + 2 * GemmBlocking.NR);
                    o3.Store(d + 3 * GemmBlocking.NR);
                    o4.Store(d + 4 * GemmBlocking.NR);
                    o5.Store(d + 5 * GemmBlocking.NR);
                    o6.Store(d + 6 * GemmBlocking.NR);
                    o7.Store(d + 7 * GemmBlocking.NR);
                }
                for (; p < kc; p++)
                {
                    for (int j = 0; j < 8; j++)
                    {
                        panel[p * GemmBlocking.NR + c + j] = s[j * ldb + p];
                    }
                }
            }
        }
        for (; c < GemmBlocking.NR; c++)
        {
            float* s = src + c * ldb;
            for (int p = 0; p < kc; p++)
            {
                panel[p * GemmBlocking.NR + c] = c < nr ? s[p] : 0f;
            }
        }
    }

    /// <summary>out j = (x0[j], x1[j], …, x7[j]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(
        Vector256<float> x0, Vector256<float> x1, Vector256<float> x2, Vector256<float> x3,
        Vector256<float> x4, Vector256<float> x5, Vector256<float> x6, Vector256<float> x7,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
        out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7)
    {
        Vector256<float> t0 = Avx.UnpackLow(x0, x1), t1 = Avx.UnpackHigh(x0, x1);
        Vector256<float> t2 = Avx.UnpackLow(x2, x3), t3 = Avx.UnpackHigh(x2, x3);
        Vector256<float> t4 = Avx.UnpackLow(x4, x5), t5 = Avx.UnpackHigh(x4, x5);
        Vector256<float> t6 = Avx.UnpackLow(x6, x7), t7 = Avx.UnpackHigh(x6, x7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        o0 = Avx.Permute2x128(s0, s4, 0x20);
        o1 = Avx.Permute2x128(s1, s5, 0x20);
        o2 = Avx.Permute2x128(s2, s6, 0x20);
        o3 = Avx.Permute2x128(s3, s7, 0x20);
        o4 = Avx.Permute2x128(s0, s4, 0x31);
        o5 = Avx.Permute2x128(s1, s5, 0x31);
        o6 = Avx.Permute2x128(s2, s6, 0x31);
        o7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
