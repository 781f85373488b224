using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DistNN.Tensors.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the k-major micro-panels the register kernels stream through.
/// Ã panels: mr floats per k step, alpha folded in. B̃ panels: nr floats per k step (mr, nr: the kernel's tile).
/// Rows or columns past the matrix edge are packed as zeros, so edge tiles can use the full kernel.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Ã block for rows [i0, i0 + rows) and depth [p0, p0 + kc) in panels of panelRows rows; writes up to 8 floats past the last panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int i0, int rows, int p0, int kc, float alpha, int panelRows, float* dest)
    {
        for (int ir = 0; ir < rows; ir += panelRows)
        {
            int mr = Math.Min(panelRows, rows - ir);
            float* panel = dest + (nint)ir * kc;
            if (transA)
            {
                PackAColumns(a + (nint)p0 * lda + i0 + ir, lda, mr, panelRows, kc, alpha, panel);
            }
            else if (mr == panelRows && panelRows <= 8 && Avx.IsSupported)
            {
                PackARowsAvx(a + (nint)(i0 + ir) * lda + p0, lda, panelRows, kc, alpha, panel);
            }
            else
            {
                PackARowsScalar(a + (nint)(i0 + ir) * lda + p0, lda, mr, panelRows, kc, alpha, panel);
            }
        }
    }

    /// <summary>op(A) = Aᵀ: the panelRows values of one k step are contiguous in A, a plain copy.</summary>
    private static void PackAColumns(float* src, nint lda, int mr, int panelRows, int kc, float alpha, float* panel)
    {
        if (mr == panelRows)
        {
            Vector128<float> va = Vector128.Create(alpha);
            for (int p = 0; p < kc; p++, src += lda, panel += panelRows)
            {
                int r = 0;
                for (; r + 4 <= panelRows; r += 4)
                {
                    (Vector128.Load(src + r) * va).Store(panel + r);
                }
                for (; r < panelRows; r++)
                {
                    panel[r] = alpha * src[r];
                }
            }
            return;
        }
        for (int p = 0; p < kc; p++, src += lda, panel += panelRows)
        {
            int r = 0;
            for (; r < mr; r++)
            {
                panel[r] = alpha * src[r];
            }
            for (; r < panelRows; r++)
            {
                panel[r] = 0f;
            }
        }
    }

    private static void PackARowsScalar(float* src, nint lda, int mr, int panelRows, int kc, float alpha, float* panel)
    {
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < panelRows; r++)
            {
                panel[p * panelRows + r] = r < mr ? alpha * src[r * lda + p] : 0f;
            }
        }
    }

    /// <summary>
    /// panelRows ≤ 8 rows, eight k steps at a time, through an 8×8 transpose (rows past panelRows repeat the last); each 8-float
    /// store spills 8 − panelRows floats into the next k step's slot, which the next store (or the scalar tail, or the next
    /// panel) overwrites.
    /// </summary>
    private static void PackARowsAvx(float* src, nint lda, int panelRows, int kc, float alpha, float* panel)
    {
        int last = panelRows - 1;
        float* r0 = src, r1 = src + Math.Min(1, last) * lda, r2 = src + Math.Min(2, last) * lda, r3 = src + Math.Min(3, last) * lda;
        float* r4 = src + Math.Min(4, last) * lda, r5 = src + Math.Min(5, last) * lda, r6 = src + Math.Min(6, last) * lda, r7 = src + last * lda;
        Vector256<float> va = Vector256.Create(alpha);
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            Transpose8x8(
                Vector256.Load(r0 + p) * va, Vector256.Load(r1 + p) * va, Vector256.Load(r2 + p) * va, Vector256.Load(r3 + p) * va,
                Vector256.Load(r4 + p) * va, Vector256.Load(r5 + p) * va, Vector256.Load(r6 + p) * va, Vector256.Load(r7 + p) * va,
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            float* d = panel + p * panelRows;
            o0.Store(d);
            o1.Store(d + panelRows);
            o2.Store(d + 2 * panelRows);
            o3.Store(d + 3 * panelRows);
            o4.Store(d + 4 * panelRows);
            o5.Store(d + 5 * panelRows);
            o6.Store(d + 6 * panelRows);
            o7.Store(d + 7 * panelRows);
        }
        for (; p < kc; p++)
        {
            float* d = panel + p * panelRows;
            for (int r = 0; r < panelRows; r++)
            {
                d[r] = alpha * src[r * lda + p];
            }
        }
    }

    /// <summary>B̃ block for depth [p0, p0 + kc) and columns [j0, j0 + cols), as ⌈cols/panelWidth⌉ panels of kc×panelWidth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int p0, int kc, int j0, int cols, int panelWidth, float* dest)
    {
        if (transB)
        {
            for (int jr = 0; jr < cols; jr += panelWidth)
            {
                PackBTransposedPanel(b + (nint)(j0 + jr) * ldb + p0, ldb, Math.Min(panelWidth, cols - jr), panelWidth, kc, dest + (nint)jr * kc);
            }
        }
        else
        {
            PackBRows(b + (nint)p0 * ldb + j0, ldb, kc, cols, panelWidth, dest);
        }
    }

    /// <summary>op(B) = B: walk B row by row (sequential reads) and deal each row out to the panels.</summary>
    private static void PackBRows(float* src, nint ldb, int kc, int cols, int panelWidth, float* dest)
    {
        int fullPanels = cols / panelWidth;
        int rest = cols - fullPanels * panelWidth;
        nint panelStride = (nint)kc * panelWidth;
        for (int p = 0; p < kc; p++, src += ldb)
        {
            float* d = dest + p * panelWidth;
            float* s = src;
            for (int jp = 0; jp < fullPanels; jp++, s += panelWidth, d += panelStride)
            {
                Copy(s, d, panelWidth);
            }
            if (rest > 0)
            {
                // Inline rather than Span calls: with a 10-wide C this runs once per row of B and the calls dominated.
                Zero(d, panelWidth);
                Copy(s, d, rest);
            }
        }
    }

    /// <summary>count floats from s to d, with the widest vectors the runtime accelerates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* s, float* d, int count)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= count; j += 16)
            {
                Vector512.Load(s + j).Store(d + j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= count; j += 8)
            {
                Vector256.Load(s + j).Store(d + j);
            }
        }
        for (; j + 4 <= count; j += 4)
        {
            Vector128.Load(s + j).Store(d + j);
        }
        for (; j < count; j++)
        {
            d[j] = s[j];
        }
    }

    /// <summary>count (a multiple of 4) zeros at d, with the widest vectors the runtime accelerates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zero(float* d, int count)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= count; j += 8)
            {
                Vector256<float>.Zero.Store(d + j);
            }
        }
        for (; j < count; j += 4)
        {
            Vector128<float>.Zero.Store(d + j);
        }
    }

    /// <summary>op(B) = Bᵀ: eight rows of B at a time, transposed 8×8 into eight k steps of the panel.</summary>
    private static void PackBTransposedPanel(float* src, nint ldb, int nr, int panelWidth, int kc, float* panel)
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
                    float* d = panel + p * panelWidth + c;
                    o0.Store(d);
                    o1.Store(d + panelWidth);
                    o2.Store(d + 2 * panelWidth);
                    o3.Store(d + 3 * panelWidth);
                    o4.Store(d + 4 * panelWidth);
                    o5.Store(d + 5 * panelWidth);
                    o6.Store(d + 6 * panelWidth);
                    o7.Store(d + 7 * panelWidth);
                }
                for (; p < kc; p++)
                {
                    for (int j = 0; j < 8; j++)
                    {
                        panel[p * panelWidth + c + j] = s[j * ldb + p];
                    }
                }
            }
        }
        for (; c < panelWidth; c++)
        {
            float* s = src + c * ldb;
            for (int p = 0; p < kc; p++)
            {
                panel[p * panelWidth + c] = c < nr ? s[p] : 0f;
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
